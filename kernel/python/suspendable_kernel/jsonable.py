"""Make rich-display data JSON-serialisable the way Jupyter front ends expect it."""
import base64
import datetime
import math
import numbers

# Formatters return raw bytes for binary mimetypes; the protocol carries them as base64 text.
_BINARY_PREFIXES = ("image/", "application/pdf", "audio/", "video/")


def clean(obj):
    if isinstance(obj, (str, bool)) or obj is None:
        return obj
    if isinstance(obj, numbers.Integral):
        return int(obj)
    if isinstance(obj, numbers.Real):
        value = float(obj)
        return value if math.isfinite(value) else repr(value)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(obj)).decode("ascii")
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [clean(v) for v in obj]
    if isinstance(obj, (datetime.datetime, datetime.date)):
        return obj.isoformat()
    return repr(obj)


def clean_bundle(data):
    """A mimebundle: binary values become base64 strings, everything else JSON-clean."""
    out = {}
    for mime, value in (data or {}).items():
        if isinstance(value, (bytes, bytearray, memoryview)) and not mime.startswith(_BINARY_PREFIXES):
            value = bytes(value).decode("utf-8", "replace")
        out[mime] = clean(value)
    return out
