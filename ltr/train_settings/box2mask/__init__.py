"""Box2Mask (STANet) train settings: ``default`` (paper Sec. 3.4) and ``tiny`` (small CPU variant); see base.py."""
