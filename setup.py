"""Installable package: ``ltr`` (training), ``pytracking`` (inference, benchmarks), ``box2mask`` (boxes -> masks)."""
from setuptools import find_packages, setup

CORE = [
    "torch==2.14.1",
    "torchvision==0.29.1",
    "numpy",
    "opencv-python",  # vot-toolkit hard-requires the GUI build; do not add -headless beside it
    "pandas",
    "matplotlib",
    "tqdm",
    "tensorboard",
]
BENCHMARKS = [
    "vot-toolkit==0.9.0",
    "vot-trax==4.0.2",
    "attributee==0.1.9",  # 0.1.10 breaks `import vot` on Python >= 3.11
    "got10k==0.1.3",
]
TESTS = ["pytest"]
# SAM 2 (box2mask method 'sam2', tracker lwl_sam2). Not part of [all]: sam2 is published as source only and must be
# built without build isolation (an isolated build would download torch again), so scripts/setup_env.sh installs this
# extra as a separate step: pip install wheel setuptools && SAM2_BUILD_CUDA=0 pip install --no-build-isolation
# -e ".[sam2]" (SAM2_BUILD_CUDA=0: no CUDA extension, so it installs on CPU-only machines).
SAM2 = ["sam2==1.1.0"]

setup(
    name="box2mask",
    version="0.1.0",
    description="Masks from boxes by mining spatio-temporal consistencies in videos (STANet), "
    "LWL training and box-initialised tracking, in the pytracking style.",
    packages=find_packages(include=["ltr", "ltr.*", "pytracking", "pytracking.*", "box2mask", "box2mask.*"]),
    package_data={"ltr": ["data_specs/*.txt", "data_specs/*.json"], "pytracking": ["vot_integration/templates/*"]},
    python_requires=">=3.10",
    install_requires=CORE,
    extras_require={"benchmarks": BENCHMARKS, "test": TESTS, "all": BENCHMARKS + TESTS, "sam2": SAM2},
    entry_points={
        "console_scripts": [
            "box2mask=box2mask.cli:main",
            "pytracking=pytracking.cli:main",
            "pytracking-env=ltr.admin.environment:main",
            "ltr-train=ltr.run_training:main",
        ]
    },
)
