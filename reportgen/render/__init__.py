"""Renderers of the neutral report model (see reportgen.model)."""
