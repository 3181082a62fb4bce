"""Readers of the official on-disk layouts of the tracking and VOS datasets (pure numpy / pathlib).

Shared by the training datasets (``ltr/dataset``), the evaluation datasets (``pytracking/evaluation``) and the
dataset annotator. Each reader lists sequence names cheaply and reads one sequence on demand; bad or missing files
raise :class:`LayoutError` subclasses whose message names the path (and the line, for malformed annotations).

Box datasets return :class:`BoxSequence` (frames, ``(N, 4)`` 0-based ``x, y, w, h`` boxes with NaN = unknown,
visibility and raw per-frame flags); VOS datasets return :class:`VosSequence` (frames, annotation PNG per annotated
frame, object ids and first frames where known).
"""
from .boxfile import read_box_lines, read_boxes
from .common import (AnnotationError, BoxLayout, BoxSequence, LayoutError, MissingFileError, VosSequence, mask_bbox,
                     parse_numbers, pattern_frames, read_flags, read_key_values, read_list_file, read_text)
from .folder import FolderLayout
from .frames import IMAGE_EXTS, list_frames, natural_key
from .got10k import GOT10K_FLAGS, GOT10K_SPLITS, Got10kLayout, got10k_resolution, read_got10k_meta
from .lasot import LASOT_SPLIT_FILES, LasotLayout, lasot_class
from .otb import OTB_FRAME_RANGES, OTB_INIT_OMIT, OtbLayout, otb_sequence
from .trackingnet import TRACKINGNET_SPLITS, TRACKINGNET_TRAIN_SPLITS, TrackingNetLayout, trackingnet_split_names
from .vos import DavisLayout, VosLayout, YouTubeVosLayout
from .vot_folder import (VotLayout, VotMask, VotRegion, decode_vot_mask, encode_vot_mask, format_vot_region,
                         parse_vot_region, read_vot_regions, rle_decode, rle_encode, vot_region_bbox)

__all__ = [
    "IMAGE_EXTS", "LayoutError", "MissingFileError", "AnnotationError", "BoxSequence", "VosSequence", "BoxLayout",
    "VosLayout", "mask_bbox", "parse_numbers", "pattern_frames", "read_boxes", "read_box_lines", "read_flags",
    "read_key_values", "read_list_file", "read_text", "list_frames", "natural_key", "FolderLayout",
    "GOT10K_SPLITS", "GOT10K_FLAGS", "Got10kLayout", "read_got10k_meta", "got10k_resolution",
    "LASOT_SPLIT_FILES", "LasotLayout", "lasot_class",
    "OTB_FRAME_RANGES", "OTB_INIT_OMIT", "OtbLayout", "otb_sequence",
    "TRACKINGNET_SPLITS", "TRACKINGNET_TRAIN_SPLITS", "TrackingNetLayout", "trackingnet_split_names",
    "DavisLayout", "YouTubeVosLayout",
    "VotLayout", "VotMask", "VotRegion", "decode_vot_mask", "encode_vot_mask", "format_vot_region",
    "parse_vot_region", "read_vot_regions", "rle_decode", "rle_encode", "vot_region_bbox",
]
