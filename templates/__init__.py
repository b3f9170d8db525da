"""Default email templates (installed as ``reportgen.templates``); point templates_dir: at your own copy."""
