"""Weakly supervised VOS training (paper Sec. 4.2): Box2Mask trained on the mask-annotated set A annotates the
box-only set B, then LWL trains on A + pseudo-masked B. ``run_weak`` chains the three steps."""
