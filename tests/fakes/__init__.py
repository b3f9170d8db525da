"""Local fakes of vendor APIs (real HTTP on 127.0.0.1), written from the vendors' public references."""
