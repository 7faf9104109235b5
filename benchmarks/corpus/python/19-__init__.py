__all__ = [
    "BaseOffset",
    "Day",
    "IncompatibleFrequency",
    "NaT",
    "NaTType",
    "OutOfBoundsDatetime",
    "OutOfBoundsTimedelta",
    "Period",
    "Resolution",
    "Tick",
    "Timedelta",
    "Timestamp",
    "add_overflowsafe",
    "astype_overflowsafe",
    "delta_to_nanoseconds",
    "dt64arr_to_periodarr",
    "dtypes",
    "get_resolution",
    "get_supported_dtype",
    "get_unit_from_dtype",
    "guess_datetime_format",
    "iNaT",
    "ints_to_pydatetime",
    "ints_to_pytimedelta",
    "is_date_array_normalized",
    "is_supported_dtype",
    "is_unitless",
    "localize_pydatetime",
    "mul_overflowsafe",
    "nat_strings",
    "normalize_i8_timestamps",
    "periods_per_day",
    "periods_per_second",
    "to_offset",
    "tz_compare",
    "tz_convert_from_utc",
    "tz_convert_from_utc_single",
]

from pandas._libs.tslibs import dtypes
from pandas._libs.tslibs.conversion import localize_pydatetime
from pandas._libs.tslibs.dtypes import (
    Resolution,
    periods_per_day,
    periods_per_second,
)
from pandas._libs.tslibs.nattype import (
    NaT,
    NaTType,
    iNaT,
    nat_strings,
)
from pandas._libs.tslibs.np_datetime import (
    OutOfBoundsDatetime,
    OutOfBoundsTimedelta,
    add_overflowsafe,
    astype_overflowsafe,
    get_supported_dtype,
    is_supported_dtype,
    is_unitless,
    mul_overflowsafe,
    py_get_unit_from_dtype as get_unit_from_dtype,
)
from pandas._libs.tslibs.offsets import (
    BaseOffset,
    Day,
    Tick,
    to_offset,
)
from pandas._libs.tslibs.parsing import guess_datetime_format
from pandas._libs.tslibs.period import (
    IncompatibleFrequency,
    Period,
)
from pandas._libs.tslibs.timedeltas import (
    Timedelta,
    delta_to_nanoseconds,
    ints_to_pytimedelta,
)
from pandas._libs.tslibs.timestamps import Timestamp
from pandas._libs.tslibs.timezones import tz_compare
from pandas._libs.tslibs.tzconversion import tz_convert_from_utc_single
from pandas._libs.tslibs.vectorized import (
    dt64arr_to_periodarr,
    get_resolution,
    ints_to_pydatetime,
    is_date_array_normalized,
    normalize_i8_timestamps,
    tz_convert_from_utc,
)
