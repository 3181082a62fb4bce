"""Weakly supervised VOS training (paper Sec. 4.2): Box2Mask trained on the mask-annotated set A annotates the
box-only set B, then LWL trains on A + pseudo-masked B. ``box2mask weak`` (``box2mask/weak.py``) chains the
three steps."""
