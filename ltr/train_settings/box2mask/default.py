"""Box2Mask (STANet) as in the paper, Sec. 3.4: ``ltr-train box2mask default``.

Needs: ``youtubevos_dir`` (YouTube-VOS 2019 with ``train/``), ``davis_dir`` (DAVIS 2017 with ``ImageSets/2017/
train.txt``), and the Mask R-CNN R-50 weights ``e2e_mask_rcnn_R_50_FPN_1x.pth`` (maskrcnn-benchmark; Detectron2 /
Detectron files work too) in the ``network_path`` folder, or ``--set mrcnn_weights=PATH``.
Writes ``<checkpoint_dir>/box2mask/default/STANet_ep%04d.pth.tar``; 80 epochs of 1000 iterations, batch 4.
"""
from ltr.admin.settings import Settings
from ltr.train_settings.box2mask.base import Box2MaskConfig, train
from ltr.trainers import LTRTrainer


def run(settings: Settings) -> LTRTrainer:
    """Train with the paper's recipe."""
    return train(settings, Box2MaskConfig())
