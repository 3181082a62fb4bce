"""LWL train settings: ``stage1``, ``stage2``, ``boxinit`` (box encoder) and ``pseudo`` (LWL-Ours); see base.py."""
