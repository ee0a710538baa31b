"""Training fidelity: how cheaply each architecture is trained (configs/generate/*.yaml)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import yaml

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs" / "generate"


@dataclass(frozen=True)
class Fidelity:
    """Everything that decides how an architecture is trained, apart from the seed.

    Attributes
    ----------
    name : str
        Label recorded with every result.
    layers, channels : int
        Cells in the network and initial channels.
    resolution : int
        Images are average-pooled to this side (28 keeps Fashion-MNIST's size; 14 halves it).
    epochs : int
    train_subset : int
        Training images per epoch (a fixed subset, the same for every architecture).
    val_size, test_size : int
        Images scored for validation and test accuracy (0 for test skips it).
    batch_size : int
    lr, momentum, weight_decay : float
        SGD with a cosine schedule to 0 over all steps.
    augment : bool
        Random crop (padding 2 at 28 px, 1 at 14 px) and horizontal flip.
    curve_val_size : int
        Validation images scored after every epoch for the learning curve (a prefix of the
        validation set); 0, the default, scores all ``val_size`` of them, so the curve's last point
        is the run's validation accuracy.
    """

    name: str = "custom"
    layers: int = 5
    channels: int = 8
    resolution: int = 28
    epochs: int = 3
    train_subset: int = 10_000
    val_size: int = 10_000
    test_size: int = 10_000
    batch_size: int = 96
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 3e-4
    augment: bool = True
    curve_val_size: int = 0

    def __post_init__(self) -> None:
        if self.resolution not in (7, 14, 28):
            raise ValueError(f"resolution must be 28, 14 or 7 (Fashion-MNIST pooled), got {self.resolution}")
        for name in ("layers", "channels", "epochs", "train_subset", "val_size", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"fidelity {name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.curve_val_size <= self.val_size:
            raise ValueError(
                f"curve_val_size must be between 0 and val_size ({self.val_size}), got {self.curve_val_size}"
            )

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Fidelity:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown fidelity keys {sorted(unknown)}; known: {sorted(known)}")
        return cls(**d)


def load_fidelity(name_or_path: str | Path) -> Fidelity:
    """A fidelity by name (``configs/generate/<name>.yaml``) or by path to a YAML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = CONFIG_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        choices = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
        raise FileNotFoundError(
            f"no fidelity config {str(name_or_path)!r}; choose one of {choices} or give a YAML path"
        )
    d = yaml.safe_load(path.read_text()) or {}
    d.setdefault("name", path.stem)
    return Fidelity.from_dict(d)
