"""Online geocoders behind one interface: Amap (高德), Tianditu (天地图) and Nominatim (OpenStreetMap).

Used by :func:`coverage.geocode` (in :mod:`coverage.geocoding`) only when asked (``provider=``), and
only with the user's own key. Everything goes through the standard library
(``urllib``); the transport, the clock and the sleep are injectable, so tests
replay recorded responses instantly.

Each provider
    * keeps a disk cache of its answers (``settings.cache_folder/geocode/<provider>/``),
      keyed by the provider, the endpoint and the query parameters, never the
      key; only definitive answers are cached (a result, or "nothing found"),
      never errors; ``settings.use_cache`` (or ``cache=False``) turns it off;
    * waits ``min_interval_s`` between requests (a per-provider rate limit,
      shared by every instance in the process that uses the real clock);
    * retries a timeout, a connection error, an HTTP 5xx or 429, or a
      provider's "too frequent" code ``retries`` times with exponential backoff
      (``backoff_s``, then twice that, ...), then stops with one clear line;
    * stops at once with a one-line :class:`GeocoderError` for a bad key or an
      exhausted quota (the answers so far stay cached, so a re-run resumes).

Coordinates are returned in WGS-84:

Amap, Web service geocoding API v3 (``https://restapi.amap.com/v3/geocode/geo``)
    Answers in GCJ-02; converted with :func:`coverage.crs.gcj02_to_wgs84`
    (sub-millimetre inverse) and the row's note says so. Errors come as
    ``status "0"`` with an ``infocode`` (Amap's 错误码说明,
    https://lbs.amap.com/api/webservice/guide/tools/info): 10001
    INVALID_USER_KEY, 10002 SERVICE_NOT_AVAILABLE, 10005 INVALID_USER_IP, 10006
    INVALID_USER_DOMAIN, 10007 INVALID_USER_SIGNATURE, 10008 INVALID_USER_SCODE,
    10009 USERKEY_PLAT_NOMATCH, 10012 INSUFFICIENT_PRIVILEGES, 10013
    USER_KEY_RECYCLED are key problems; 10003 DAILY_QUERY_OVER_LIMIT, 10010
    IP_QUERY_OVER_LIMIT, 10044 USER_DAILY_QUERY_OVER_LIMIT (and 10029/10045,
    the abroad daily limits) are quotas; 10004 ACCESS_TOO_FREQUENT, 10014
    QPS_HAS_EXCEEDED_THE_LIMIT, 10015 GATEWAY_TIMEOUT, 10016 SERVER_IS_BUSY,
    10019-10021 (C/CK/CU QPS_HAS_EXCEEDED_THE_LIMIT) are retried; 2xxxx
    (INVALID_PARAMS, ...) fail the row only. The match ``level`` (门牌号, 兴趣点,
    道路, ...) gives the quality; a result only at 区县/乡镇/市 level is too
    coarse to place a station and counts as not found.
Tianditu geocoder (``https://api.tianditu.gov.cn/geocoder?ds={"keyWord": ...}&tk=...``)
    CGCS2000, which equals WGS-84 to within centimetres for this use (no
    conversion; the note says so). Its documented answers
    (http://lbs.tianditu.gov.cn/server/geocodinginterface.html) are ``status``
    "0" (found), "101" (nothing found) and "404" (error, ``msg`` says why).
    Key and quota refusals come from its key check as HTTP 403 (or a JSON
    body with ``code``/``msg`` and no ``status``); the geocoder page does not
    list them, so a refusal is reported with Tianditu's own message, as a
    quota problem when it speaks of a limit (超限, 上限, 次数), else as a key
    problem.
Nominatim (``https://nominatim.openstreetmap.org/search``, ``format=jsonv2``)
    WGS-84. Its usage policy (https://operations.osmfoundation.org/policies/nominatim/)
    allows at most 1 request per second for a whole application and needs a
    User-Agent that identifies it: ``min_interval_s`` cannot go below 1 s on the
    public server, and the User-Agent names service-coverage (pass your own
    with contact details as ``user_agent=``). HTTP 429 is retried; HTTP 403
    (blocked) stops the run. With the extract's bounds the search is limited
    to that area (``viewbox``, ``bounded=1``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ._errors import CoverageInputError
from ._files import write_cache

log = logging.getLogger(__name__)

#: ``transport(url, headers, timeout_s) -> (HTTP status, body bytes)``; raises on network failure.
Transport = Callable[[str, Mapping[str, str], float], "tuple[int, bytes]"]

PROVIDERS = ("amap", "tianditu", "nominatim")
#: Environment variables read when no ``key`` is given.
KEY_ENV = {"amap": "SERVICE_COVERAGE_AMAP_KEY", "tianditu": "SERVICE_COVERAGE_TIANDITU_KEY"}


class GeocoderError(CoverageInputError):
    """An online geocoder refused (bad key, quota) or did not answer; the message is one line."""


@dataclass(frozen=True)
class Hit:
    """One provider's answer for one query, in WGS-84.

    ``quality`` is ``exact``, ``name``, ``street`` or ``none`` (nothing usable:
    ``lon``/``lat`` are NaN and ``note`` says why); ``matched`` is the
    provider's text for what it found, ``ref`` its id (``n123`` for OSM objects
    from Nominatim, "" otherwise), ``level`` the provider's own match level.
    """

    lon: float
    lat: float
    quality: str
    matched: str
    ref: str
    level: str
    note: str
    source: str


def _miss(source: str, note: str, level: str = "") -> Hit:
    nan = float("nan")
    return Hit(nan, nan, "none", "", "", level, note, source)


def urllib_transport(url: str, headers: Mapping[str, str], timeout_s: float) -> tuple[int, bytes]:
    """GET ``url`` with the standard library; HTTP errors are returned as ``(status, body)``."""
    req = urllib.request.Request(url, headers=dict(headers), method="GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310 (https URLs we build)
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read() or b""


class _RateLimit:
    """At least ``interval_s`` between the starts of two requests."""

    def __init__(self, interval_s: float, clock, sleep):
        self.interval_s, self.clock, self.sleep = float(interval_s), clock, sleep
        self.last: float | None = None

    def wait(self) -> None:
        if self.last is not None:
            gap = self.interval_s - (self.clock() - self.last)
            if gap > 0:
                self.sleep(gap)
        self.last = self.clock()


#: Limits shared by the instances that use the real clock: (provider, interval) -> limiter.
_SHARED_LIMITS: dict[tuple[str, float], _RateLimit] = {}


class Geocoder:
    """Base class: caching, rate limit, retries and error handling around one HTTP GET per query.

    Parameters
    ----------
    key
        The user's key (Amap Web服务 key, Tianditu 服务器端 key); when None,
        read from the environment variable in :data:`KEY_ENV`.
    transport
        ``transport(url, headers, timeout_s) -> (status, body)``; the default
        uses ``urllib``. Tests pass recorded responses.
    cache
        Cache answers on disk (default :data:`coverage.settings.use_cache`).
    cache_folder
        Where (default ``settings.cache_folder / "geocode" / <provider>``).
    min_interval_s
        Seconds between requests (the provider's default when None).
    retries
        Retries after a timeout, connection error, HTTP 5xx/429 or "too frequent".
    backoff_s
        Wait before the first retry; doubled for each further one.
    timeout_s
        Timeout of one request.
    clock, sleep
        ``time.monotonic`` and ``time.sleep`` unless given (tests make them instant).
    user_agent
        The User-Agent header (Nominatim's policy needs one that identifies the application).
    """

    name = ""
    label = ""
    needs_key = True
    default_interval_s = 0.5
    endpoint = ""
    crs_note = ""

    def __init__(
        self,
        key: str | None = None,
        *,
        transport: Transport | None = None,
        cache: bool | None = None,
        cache_folder: str | Path | None = None,
        min_interval_s: float | None = None,
        retries: int = 3,
        backoff_s: float = 1.0,
        timeout_s: float = 10.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        user_agent: str | None = None,
    ):
        from . import settings
        from ._version import __version__

        if key is None and self.name in KEY_ENV:
            key = os.environ.get(KEY_ENV[self.name]) or None
        if self.needs_key and not (isinstance(key, str) and key.strip()):
            msg = (
                f"provider={self.name!r} needs your {self.label} key: pass key=... or set "
                f"{KEY_ENV[self.name]}; without a key use the OSM extract alone or provider='nominatim'."
            )
            raise CoverageInputError(msg)
        self.key = key.strip() if isinstance(key, str) else None
        self.transport = transport or urllib_transport
        self.cache = settings.use_cache if cache is None else bool(cache)
        self.cache_folder = (
            Path(cache_folder)
            if cache_folder is not None
            else (Path(settings.cache_folder) / "geocode" / self.name)
        )
        interval = self.default_interval_s if min_interval_s is None else float(min_interval_s)
        self._check_interval(interval)
        if retries < 0 or backoff_s < 0 or timeout_s <= 0:
            msg = (
                f"{self.name}: retries and backoff_s must be >= 0 and timeout_s > 0 (got {retries}, "
                f"{backoff_s}, {timeout_s})."
            )
            raise CoverageInputError(msg)
        self.retries, self.backoff_s, self.timeout_s = int(retries), float(backoff_s), float(timeout_s)
        self.sleep = sleep or time.sleep
        if clock is None and sleep is None:
            self.limit = _SHARED_LIMITS.setdefault(
                (self.name, interval), _RateLimit(interval, time.monotonic, time.sleep)
            )
        else:
            self.limit = _RateLimit(interval, clock or time.monotonic, self.sleep)
        self.user_agent = user_agent or f"service-coverage/{__version__} (community service coverage; urllib)"
        self.requests = 0  # HTTP requests sent (not cache hits)
        self.cache_hits = 0

    def _check_interval(self, interval_s: float) -> None:
        if interval_s < 0:
            msg = f"{self.name}: min_interval_s={interval_s} must be >= 0."
            raise CoverageInputError(msg)

    # -- the parts each provider defines
    def params(self, query: str, *, city: str | None, bounds) -> dict[str, str]:
        raise NotImplementedError

    def verdict(self, status: int, payload) -> str:
        """``ok`` (a definitive answer, cached), ``miss`` (this query failed; not cached), ``retry``
        (transient), or raise :class:`GeocoderError`."""
        raise NotImplementedError

    def parse(self, payload, query: str) -> Hit:
        raise NotImplementedError

    # -- shared machinery
    def _key_params(self) -> dict[str, str]:
        return {}

    def _cache_path(self, params: Mapping[str, str]) -> Path:
        doc = json.dumps([self.name, self.endpoint, sorted(params.items())], ensure_ascii=False)
        return self.cache_folder / f"{hashlib.sha256(doc.encode()).hexdigest()[:40]}.json"

    def _url(self, params: Mapping[str, str]) -> str:
        return f"{self.endpoint}?{urllib.parse.urlencode({**params, **self._key_params()})}"

    def fetch(self, params: Mapping[str, str]):
        """The provider's JSON answer for ``params`` (from the cache when it is there)."""
        path = self._cache_path(params)
        if self.cache and path.exists():
            try:
                payload = json.loads(path.read_text(encoding="utf-8"))
                self.cache_hits += 1
                return payload
            except (OSError, ValueError):
                log.warning("Ignoring the unreadable geocoder cache file %s", path)
        headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self.backoff_s * 2 ** (attempt - 1))
            self.limit.wait()
            self.requests += 1
            try:
                status, body = self.transport(self._url(params), headers, self.timeout_s)
            except TimeoutError as exc:
                reason = f"timed out ({exc or 'no answer'})"
                continue
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                reason = f"could not connect ({getattr(exc, 'reason', exc)})"
                continue
            try:
                payload = json.loads(body.decode("utf-8-sig")) if body else None
            except (UnicodeDecodeError, ValueError):
                payload = None
            if status >= 500 or status == 429:
                reason = f"HTTP {status}"
                continue
            verdict = self.verdict(status, payload)
            if verdict == "retry":
                reason = self._describe(status, payload)
                continue
            if self.cache and verdict == "ok":
                text = json.dumps(payload, ensure_ascii=False)
                write_cache(path, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"), "geocoder")
            return payload
        msg = (
            f"{self.label} did not answer after {self.retries + 1} tries ({reason}); check the network "
            "connection or try again later (answers so far are cached)."
        )
        raise GeocoderError(msg)

    def _describe(self, status: int, payload) -> str:  # noqa: ARG002 (providers use the payload)
        return f"HTTP {status}"

    def lookup(self, query: str, *, city: str | None = None, bounds=None) -> Hit:
        """Geocode one address or name; ``bounds`` is ``(min_lon, min_lat, max_lon, max_lat)`` of the area."""
        query = str(query).strip()
        if not query:
            return _miss(self.name, "nothing to look up")
        return self.parse(self.fetch(self.params(query, city=city, bounds=bounds)), query)


# ---------------------------------------------------------------- Amap
_AMAP_KEY = {"10001", "10002", "10005", "10006", "10007", "10008", "10009", "10012", "10013"}
_AMAP_QUOTA = {"10003", "10010", "10029", "10044", "10045"}
_AMAP_RETRY = {"10004", "10014", "10015", "10016", "10019", "10020", "10021"}
#: Amap match levels and the quality they give; levels not listed (国家, 省, 市, 区县, 开发区, 乡镇,
#: 热点商圈, 未知) are too coarse to place a station.
AMAP_LEVELS = {
    "门牌号": "exact",
    "单元号": "exact",
    "门址": "exact",
    "兴趣点": "name",
    "村庄": "name",
    "公交站台、地铁站": "name",
    "公交站台": "name",
    "地铁站": "name",
    "道路": "street",
    "道路交叉路口": "street",
}


class AmapGeocoder(Geocoder):
    """Amap (高德) Web service geocoding API v3; GCJ-02 answers converted to WGS-84."""

    name = "amap"
    label = "Amap (高德)"
    default_interval_s = 1 / 3  # personal keys allow a few requests a second; raise with min_interval_s
    endpoint = "https://restapi.amap.com/v3/geocode/geo"
    crs_note = "Amap GCJ-02 converted to WGS-84"

    def params(self, query: str, *, city: str | None, bounds) -> dict[str, str]:  # noqa: ARG002
        p = {"address": query, "output": "JSON"}
        if city:
            p["city"] = str(city)
        return p

    def _key_params(self) -> dict[str, str]:
        return {"key": self.key or ""}

    def _describe(self, status: int, payload) -> str:
        if isinstance(payload, dict) and payload.get("infocode"):
            return f"infocode {payload.get('infocode')} {payload.get('info', '')}".strip()
        return f"HTTP {status}"

    def verdict(self, status: int, payload) -> str:
        if not isinstance(payload, dict):
            msg = f"{self.label} answered HTTP {status} without JSON; check the endpoint or try later."
            raise GeocoderError(msg)
        if str(payload.get("status")) == "1":
            return "ok"
        code, info = str(payload.get("infocode", "")), str(payload.get("info", ""))
        if code in _AMAP_RETRY:
            return "retry"
        if code in _AMAP_KEY:
            msg = (
                f"{self.label} refused the key (infocode {code} {info}); check that it is a Web服务 key, "
                "enabled for geocoding, and allowed from this IP."
            )
            raise GeocoderError(msg)
        if code in _AMAP_QUOTA:
            msg = (
                f"{self.label} quota exceeded (infocode {code} {info}); it resets at 0:00 (answers so far "
                "are cached, so run again then), or raise the key's quota."
            )
            raise GeocoderError(msg)
        return "miss" if code.startswith("2") else "retry"  # 2xxxx: this query's problem; 3xxxx: engine

    def parse(self, payload, query: str) -> Hit:  # noqa: ARG002
        from .crs import gcj02_to_wgs84

        if str(payload.get("status")) != "1":
            return _miss(
                self.name,
                f"Amap could not read it (infocode {payload.get('infocode')} {payload.get('info', '')})",
            )
        geocodes = payload.get("geocodes") or []
        if not geocodes:
            return _miss(self.name, "Amap found nothing")
        g = geocodes[0]
        level = _text(g.get("level"))
        quality = AMAP_LEVELS.get(level)
        where = _text(g.get("formatted_address"))
        if quality is None:
            return _miss(
                self.name,
                f"Amap placed it only at the {level or 'unknown'} level ({where}): too coarse for a station",
                level,
            )
        try:
            glon, glat = (float(v) for v in _text(g.get("location")).split(","))
        except ValueError:
            return _miss(self.name, f"Amap answered without a usable location ({g.get('location')!r})", level)
        lon, lat = gcj02_to_wgs84(glon, glat)
        more = f"; {len(geocodes)} candidates, took the first" if len(geocodes) > 1 else ""
        return Hit(
            float(lon),
            float(lat),
            quality,
            where,
            "",
            level,
            f"Amap level {level}; {self.crs_note}{more}",
            self.name,
        )


def _text(v) -> str:
    """Amap writes empty fields as ``[]``."""
    if isinstance(v, list):
        return "".join(map(str, v))
    return "" if v is None else str(v)


# ---------------------------------------------------------------- Tianditu
TIANDITU_LEVELS = {
    "门址": "exact",
    "门牌号": "exact",
    "门牌": "exact",
    "地名地址": "name",
    "兴趣点": "name",
    "poi": "name",
    "道路": "street",
    "道路交叉口": "street",
}


class TiandituGeocoder(Geocoder):
    """Tianditu (天地图) geocoder; CGCS2000, taken as WGS-84."""

    name = "tianditu"
    label = "Tianditu (天地图)"
    default_interval_s = 0.5
    endpoint = "https://api.tianditu.gov.cn/geocoder"
    crs_note = "Tianditu CGCS2000 taken as WGS-84 (they differ by centimetres)"

    def params(self, query: str, *, city: str | None, bounds) -> dict[str, str]:  # noqa: ARG002
        text = query if not city or query.startswith(str(city)) else f"{city}{query}"
        return {"ds": json.dumps({"keyWord": text}, ensure_ascii=False, separators=(",", ":"))}

    def _key_params(self) -> dict[str, str]:
        return {"tk": self.key or ""}

    def verdict(self, status: int, payload) -> str:
        has_status = isinstance(payload, dict) and "status" in payload
        if status == 200 and has_status:
            return "ok" if str(payload["status"]) in ("0", "101") else "miss"
        message = ""
        if isinstance(payload, dict):
            message = " ".join(str(payload[k]) for k in ("msg", "message", "resolve") if payload.get(k))
        message = message.strip() or f"HTTP {status}"
        if status in (401, 403) or (isinstance(payload, dict) and not has_status):
            if any(w in message for w in ("超限", "上限", "次数", "配额", "limit", "quota")):
                msg = f"{self.label} quota exceeded ({message}); try again tomorrow or raise the key's quota."
            else:
                msg = (
                    f"{self.label} refused the key ({message}); check that it is a 服务器端 key with the "
                    "geocoder enabled."
                )
            raise GeocoderError(msg)
        msg = f"{self.label} answered HTTP {status} ({message}); check the endpoint or try later."
        raise GeocoderError(msg)

    def parse(self, payload, query: str) -> Hit:  # noqa: ARG002
        status = str(payload.get("status"))
        if status == "101":
            return _miss(self.name, "Tianditu found nothing")
        if status != "0":
            return _miss(self.name, f"Tianditu could not read it (status {status} {payload.get('msg', '')})")
        loc = payload.get("location") or {}
        level = _text(loc.get("level"))
        quality = TIANDITU_LEVELS.get(level.lower(), None)
        if quality is None and any(w in level for w in ("行政", "省", "市", "区县", "乡镇", "区")):
            return _miss(
                self.name, f"Tianditu placed it only at the {level} level: too coarse for a station", level
            )
        try:
            lon, lat = float(loc["lon"]), float(loc["lat"])
        except (KeyError, TypeError, ValueError):
            return _miss(self.name, "Tianditu answered without a usable location", level)
        note = f"Tianditu level {level or 'not given'}; {self.crs_note}"
        if quality is None:
            quality = "name"
            note += "; its level is not one this library knows, so it counts as a name match"
        if loc.get("score") not in (None, ""):
            note += f"; Tianditu score {loc.get('score')}"
        return Hit(lon, lat, quality, _text(loc.get("keyWord")) or query, "", level, note, self.name)


# ---------------------------------------------------------------- Nominatim
class NominatimGeocoder(Geocoder):
    """Nominatim (OpenStreetMap search); WGS-84; at most one request a second on the public server."""

    name = "nominatim"
    label = "Nominatim"
    needs_key = False
    default_interval_s = 1.0
    endpoint = "https://nominatim.openstreetmap.org/search"
    crs_note = "WGS-84"

    def __init__(
        self,
        key: str | None = None,
        *,
        endpoint: str | None = None,
        email: str | None = None,
        countrycodes: str | None = None,
        **options,
    ):
        if endpoint:
            self.endpoint = endpoint
        super().__init__(key, **options)
        self.email, self.countrycodes = email, countrycodes

    def _check_interval(self, interval_s: float) -> None:
        super()._check_interval(interval_s)
        if "nominatim.openstreetmap.org" in self.endpoint and interval_s < 1.0:
            msg = (
                f"nominatim: min_interval_s={interval_s} breaks the public server's usage policy (at most "
                "1 request per second); use 1 or more, or your own Nominatim with endpoint=."
            )
            raise CoverageInputError(msg)

    def params(self, query: str, *, city: str | None, bounds) -> dict[str, str]:
        text = query if not city or str(city) in query else f"{query}, {city}"
        p = {"q": text, "format": "jsonv2", "limit": "1", "accept-language": "zh"}
        if bounds is not None:
            x0, y0, x1, y1 = (float(v) for v in bounds)
            p["viewbox"] = f"{x0:.5f},{y1:.5f},{x1:.5f},{y0:.5f}"
            p["bounded"] = "1"
        if self.countrycodes:
            p["countrycodes"] = self.countrycodes
        if self.email:
            p["email"] = self.email
        return p

    def verdict(self, status: int, payload) -> str:
        if status == 200 and isinstance(payload, list):
            return "ok"
        message = ""
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            message = str(payload["error"].get("message", ""))
        elif isinstance(payload, dict) and payload.get("error"):
            message = str(payload["error"])
        if status in (401, 403):
            why = f": {message}" if message else ""
            msg = (
                f"Nominatim refused the request (HTTP {status}{why}): the public server blocks clients "
                "that break its usage policy; wait, pass user_agent= with your contact, or use a "
                "key-based provider."
            )
            raise GeocoderError(msg)
        why = f": {message}" if message else ""
        msg = f"Nominatim answered HTTP {status}{why}; check the query or the endpoint."
        raise GeocoderError(msg)

    def parse(self, payload, query: str) -> Hit:  # noqa: ARG002
        if not payload:
            return _miss(self.name, "Nominatim found nothing")
        r = payload[0]
        cls = r.get("category") or r.get("class") or ""
        typ = r.get("type") or ""
        rank = int(r.get("place_rank") or 0)
        level = f"{cls}={typ} (rank {rank})"
        if typ == "house" or (r.get("addresstype") in ("house", "building") and rank >= 30):
            quality = "exact"
        elif cls == "highway":
            quality = "street"
        elif rank >= 28:
            quality = "name"
        else:
            return _miss(self.name, f"Nominatim placed it only as {level}: too coarse for a station", level)
        ref = {"node": "n", "way": "w", "relation": "r"}.get(r.get("osm_type", ""), "")
        ref = f"{ref}{r.get('osm_id')}" if ref else ""
        return Hit(
            float(r["lon"]),
            float(r["lat"]),
            quality,
            str(r.get("display_name", "")),
            ref,
            level,
            f"Nominatim {level}; WGS-84",
            self.name,
        )


GEOCODERS: dict[str, type[Geocoder]] = {
    "amap": AmapGeocoder,
    "tianditu": TiandituGeocoder,
    "nominatim": NominatimGeocoder,
}


def make_geocoder(provider: str | Geocoder, key: str | None = None, **options) -> Geocoder:
    """A geocoder by name (``amap``, ``tianditu``, ``nominatim``), or ``provider`` itself when it is one."""
    if isinstance(provider, Geocoder):
        return provider
    name = str(provider).strip().lower()
    aliases = {"gaode": "amap", "高德": "amap", "tdt": "tianditu", "天地图": "tianditu", "osm": "nominatim"}
    name = aliases.get(name, name)
    if name not in GEOCODERS:
        msg = f"provider={provider!r} is not known; use one of {', '.join(PROVIDERS)} or None (offline)."
        raise CoverageInputError(msg)
    return GEOCODERS[name](key, **options)
