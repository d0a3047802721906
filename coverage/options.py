"""The walking rules of a run, validated once: threshold, bands, speed, snap distance and horizon.

Every entry point (``assess``, what-if, isochrones, siting, tiled runs, the
command line) builds one :class:`WalkRules` with :meth:`WalkRules.of`, so a
value out of range is refused in the same words wherever it comes from, and
the defaults live in :mod:`coverage.settings` only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import settings
from ._errors import CoverageInputError

#: The longest threshold or band accepted, minutes (four hours of walking).
MAX_MINUTES = 240.0
#: The longest horizon accepted, minutes (a day).
MAX_HORIZON_MIN = 1440.0
#: The farthest walk from a point to its street accepted, metres.
MAX_SNAP_LIMIT_M = 5000.0


def snap_limit_m(max_snap_m: float | None = None) -> float:
    """``max_snap_m``, or its default (:data:`coverage.settings.max_snap_m`):
    the one place the default is read."""
    return float(settings.max_snap_m if max_snap_m is None else max_snap_m)


def _number(value, option: str, parameter: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        msg = f"{option} {value!r} ({parameter}=) is not a number."
        raise CoverageInputError(msg) from None
    if not math.isfinite(v):
        msg = f"{option} {value!r} ({parameter}=) is not a finite number."
        raise CoverageInputError(msg)
    return v


@dataclass(frozen=True)
class WalkRules:
    """How far is a walk, and which walks count (validated).

    Attributes
    ----------
    minutes
        The coverage threshold (a household is covered within it).
    cutoffs_min
        The bands reported and drawn (sorted, without repeats).
    speed_kph
        Walking speed in km/h.
    profile
        The named speed profile, or None for a custom speed.
    max_snap_m
        A point farther than this from every walkable street is off the network.
    horizon_min
        Walks up to this many minutes are exact; further ones are reported as
        beyond the horizon (None: no horizon).
    """

    minutes: float
    cutoffs_min: tuple[float, ...]
    speed_kph: float
    profile: str | None
    max_snap_m: float
    horizon_min: float | None = None

    @classmethod
    def of(
        cls,
        *,
        minutes: float | None = None,
        cutoffs_min: Iterable[float] | None = None,
        profile: str | None = None,
        speed_kph: float | None = None,
        max_snap_m: float | None = None,
        horizon_min: float | None = None,
    ) -> WalkRules:
        """The rules from user values (None takes the default of :mod:`coverage.settings`), checked."""
        m = settings.threshold_min if minutes is None else _number(minutes, "--minutes", "minutes")
        if not (0 < m <= MAX_MINUTES):
            msg = (
                f"minutes={m:g} is out of range; give a threshold between 0 and {MAX_MINUTES:g} "
                "minutes (--minutes)."
            )
            raise CoverageInputError(msg)
        cuts = settings.cutoffs_min if cutoffs_min is None else cutoffs_min
        cuts = tuple(sorted({_number(c, "--minutes", "cutoffs_min") for c in cuts}))
        if not cuts or not all(0 < c <= MAX_MINUTES for c in cuts):
            msg = (
                f"bands {list(cuts)} are out of range; give minutes between 0 and {MAX_MINUTES:g}, "
                "like 5,10,15 (--minutes, cutoffs_min=)."
            )
            raise CoverageInputError(msg)
        snap = snap_limit_m(None if max_snap_m is None else _number(max_snap_m, "--max-snap-m", "max_snap_m"))
        if not (0 < snap <= MAX_SNAP_LIMIT_M):
            msg = (
                f"max_snap_m={snap:g} is out of range; give the farthest walk to a street in metres, "
                f"1 to {MAX_SNAP_LIMIT_M:g} (--max-snap-m)."
            )
            raise CoverageInputError(msg)
        if speed_kph is not None:
            speed_kph = _number(speed_kph, "--speed-kmh", "speed_kph")
        kph = settings.speed_m_s(profile, speed_kph) * 3.6
        prof = None if speed_kph is not None else (profile or settings.default_profile)
        hz = None
        if horizon_min is not None:
            hz = _number(horizon_min, "--horizon-min", "horizon_min")
            if not (m <= hz <= MAX_HORIZON_MIN):
                msg = (
                    f"horizon_min={hz:g} must be at least the threshold ({m:g} min) and at most a day "
                    f"({MAX_HORIZON_MIN:g} min); walks up to the horizon are exact (--horizon-min)."
                )
                raise CoverageInputError(msg)
        return cls(m, cuts, kph, prof, snap, hz)

    @classmethod
    def for_bands(
        cls,
        bands_min: Iterable[float] | None = None,
        *,
        profile: str | None = None,
        speed_kph: float | None = None,
        max_snap_m: float | None = None,
    ) -> WalkRules:
        """The rules of an isochrones run: the bands (default :data:`coverage.settings.cutoffs_min`), the
        widest one as the threshold."""
        bands = sorted(float(m) for m in bands_min) if bands_min is not None else None
        bands = bands or None
        return cls.of(
            minutes=max(bands) if bands else None,
            cutoffs_min=bands,
            profile=profile,
            speed_kph=speed_kph,
            max_snap_m=max_snap_m,
        )

    @classmethod
    def from_params(cls, params: dict) -> WalkRules:
        """The rules a finished run recorded in its ``params`` (its horizon too, when it had one)."""
        return cls(
            params["minutes"],
            tuple(params["cutoffs_min"]),
            params["speed_kph"],
            params["profile"],
            params["max_snap_m"],
            params.get("horizon_min"),
        )

    @staticmethod
    def resolve(rules: WalkRules | None, built: Callable[[], WalkRules], **values: Any) -> WalkRules:
        """``rules`` when given (and then none of ``values`` may be), else ``built()``: one options object,
        whether the caller built it (the command line) or gave the values one by one."""
        if rules is None:
            return built()
        given = sorted(k for k, v in values.items() if v is not None)
        if given:
            msg = f"give the walking rules either as rules= or as {'=, '.join(given)}=, not both."
            raise CoverageInputError(msg)
        if not isinstance(rules, WalkRules):
            msg = f"rules= must be a coverage.WalkRules (WalkRules.of(...)), not {type(rules).__name__}."
            raise CoverageInputError(msg)
        return rules

    def but(self, **changes: Any) -> WalkRules:
        """These rules with some values changed
        (``minutes``, ``profile``/``speed_kph``, ...), checked again."""
        if "profile" in changes or "speed_kph" in changes:
            speed = {"profile": changes.pop("profile", None), "speed_kph": changes.pop("speed_kph", None)}
        else:
            speed = {"profile": self.profile, "speed_kph": None if self.profile else self.speed_kph}
        base = {
            "minutes": self.minutes,
            "cutoffs_min": self.cutoffs_min,
            "max_snap_m": self.max_snap_m,
            "horizon_min": self.horizon_min,
        }
        return WalkRules.of(**{**base, **speed, **changes})

    @property
    def speed_m_s(self) -> float:
        return self.speed_kph / 3.6

    @property
    def threshold_m(self) -> float:
        """The threshold as a walk in metres."""
        return self.minutes * 60 * self.speed_m_s

    @property
    def bands_min(self) -> list[float]:
        """The bands and the threshold, in minutes, ascending."""
        return sorted(set(self.cutoffs_min) | {self.minutes})

    def metres(self, minutes: float) -> float:
        """A walk of ``minutes`` at these rules' speed, in metres."""
        return minutes * 60 * self.speed_m_s

    @property
    def horizon_m(self) -> float | None:
        return None if self.horizon_min is None else self.metres(self.horizon_min)
