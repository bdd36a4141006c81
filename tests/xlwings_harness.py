"""xlwings' own Windows UDF machinery, run on Linux without Excel or COM.

On Linux ``@xw.func``, ``@xw.arg`` and ``@xw.ret`` are no-ops: calling a UDF as plain Python
proves nothing about what Excel will show. On Windows they are ``xlwings.udfs.xlfunc/xlarg/xlret``
and every call goes through ``call_udf``, which reads each argument with
``xlwings.conversion.read`` and writes the result with ``xlwings.conversion.write``, both driven
by the converter registry and by the ``excel`` engine of ``_xlwindows.py``.

This harness runs that real code:

* ``xlwings/udfs.py`` is loaded from the installed xlwings, with only the Windows-only modules
  it imports (``pythoncom``, ``pywintypes``, ``win32com``, ``win32com.client``) stubbed in
  ``sys.modules`` for the duration of the import, then restored. Every stubbed function raises:
  anything that really needs COM fails loudly instead of pretending.
* The ``excel`` engine is xlwings' own ``Engine`` class from ``_xlwindows.py``, together with the
  value helpers it calls (``_clean_value_data_element``, ``cell_errors``, ``time_types``, the
  datetime conversions), taken from that file's source with ``ast`` and executed without the
  rest of the module (which needs COM, win32 DLLs and ``ctypes.windll`` at import time).
* ``decorate(module)`` re-executes a UDF module with ``xlwings.func/arg/ret`` set to the real
  decorators, as ``import xlwings`` sets them on Windows.
* ``call(func, *excel_args)`` runs the argument/return part of ``call_udf`` (the rest is COM:
  caller range, async, dynamic-array resizing); a source check fails if that part changes.
* ``vba_wrappers`` and ``import_functions`` run ``generate_vba_wrapper`` and ``import_udfs``
  (the add-in's « Import Functions ») against a recording stand-in for the Excel workbook.

Excel passes to ``call_udf``: a float for a number, a str, ``None`` for a blank cell, a bool,
a ``pywintypes.TimeType`` for a date, a ``Decimal`` for a currency-formatted cell, an int error
code for an error cell (see ``EXCEL_ERRORS``); a range arrives as a tuple of row tuples, one cell
as a scalar, an omitted optional argument as ``MISSING``.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import datetime as dt
import importlib.util
import inspect
import io
import symtable
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import xlwings
from xlwings import conversion
from xlwings.main import Engine
from xlwings.utils import np_datetime_to_datetime

try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy is a dependency of xlprod
    np = None
try:
    import pandas as pd
except ImportError:  # pragma: no cover - pandas is a dependency of xlprod
    pd = None

XLWINGS_DIR = Path(xlwings.__file__).resolve().parent

# What pywin32 hands to call_udf for an omitted ``Optional`` VBA argument (DISP_E_PARAMNOTFOUND).
MISSING = -2147352572


class XlwingsChanged(AssertionError):
    """The installed xlwings no longer has what this harness reproduces: re-read its sources."""


def _require(obj: object, *names: str) -> None:
    for name in names:
        if not hasattr(obj, name):
            raise XlwingsChanged(f"xlwings {xlwings.__version__}: {getattr(obj, '__name__', obj)!r} has no {name!r}")


# -- Windows-only modules ---------------------------------------------------------------------------

def _no_com(name: str) -> Callable[..., Any]:
    def stub(*_: object, **__: object) -> Any:
        raise RuntimeError(f"{name}: COM is not available in the xlwings harness")
    stub.__name__ = stub.__qualname__ = name.rsplit(".", 1)[-1]
    return stub


class _StubModule(types.ModuleType):
    """A Windows-only module: the listed attributes exist, anything else is a loud AttributeError."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system probes __path__, __spec__...
            raise AttributeError(name)
        raise XlwingsChanged(f"xlwings now uses {self.__name__}.{name}, which the harness does not stub")


def _stub(name: str, **attrs: object) -> types.ModuleType:
    module = _StubModule(name, f"Harness stand-in for the Windows-only module {name} (no COM).")
    module.__dict__.update(attrs)
    return module


class com_error(Exception):
    """pywintypes.com_error: an Exception carrying (hresult, strerror, excepinfo, argerror)."""

    @property
    def hresult(self) -> object:
        return self.args[0] if self.args else None


class TimeType(dt.datetime):
    """pywintypes.TimeType: what COM returns for a date cell, a subclass of datetime.datetime."""


def _windows_stubs() -> dict[str, types.ModuleType]:
    # pythoncom: udfs.py passes CoInitialize as a thread-pool initializer at import time (called only
    # when an async UDF runs); the other names serve ComRange (caller/async UDFs) only.
    pythoncom = _stub(
        "pythoncom",
        CoInitialize=_no_com("pythoncom.CoInitialize"),
        CoMarshalInterThreadInterfaceInStream=_no_com("pythoncom.CoMarshalInterThreadInterfaceInStream"),
        CoGetInterfaceAndReleaseStream=_no_com("pythoncom.CoGetInterfaceAndReleaseStream"),
        IID_IDispatch=None,
    )
    # pywintypes: com_error is caught around VBProject.Import in import_udfs; TimeType is the COM date.
    pywintypes = _stub("pywintypes", com_error=com_error, TimeType=TimeType, IID=_no_com("pywintypes.IID"))
    # win32com.client.Dispatch wraps COM pointers (the caller range, the workbook of embedded code).
    client = _stub("win32com.client", Dispatch=_no_com("win32com.client.Dispatch"))
    win32com = _stub("win32com", client=client)
    win32com.__path__ = []  # a package, so that "win32com.client" resolves to the stub above
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com, "win32com.client": client}


@contextlib.contextmanager
def _in_sys_modules(stubs: dict[str, types.ModuleType]) -> Iterator[None]:
    saved = {name: sys.modules.get(name) for name in stubs}
    sys.modules.update(stubs)
    try:
        yield
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


# -- xlwings.udfs, the real module ----------------------------------------------------------------

# The statements of call_udf that ``call`` reproduces (whitespace removed): if any of them changes,
# ``call`` no longer behaves like Excel and must be reviewed against the new call_udf.
_CALL_UDF_STATEMENTS = (
    'func_info=func.__xlfunc__',
    'args_info=func_info["args"]',
    'ret_info=func_info["ret"]',
    "arg_info=args_info[min(i,len(args_info)-1)]",
    "ifisinstance(arg,int)andarg==-2147352572:",
    'args[i]=arg_info.get("optional",None)',
    "elifxlwings._xlwindows.is_range_instance(arg):",
    'args[i]=conversion.read(None,arg,arg_info["options"])',
    "ret=func(*args)",
    'xl_result=conversion.write(ret,None,ret_info["options"])',
    "returnxl_result",
)


def check_xlwings_udfs(udfs: types.ModuleType) -> None:
    """Fail if xlwings' UDF module lacks what the harness uses or reproduces."""
    _require(udfs, "xlfunc", "xlarg", "xlret", "xlsub", "call_udf", "generate_vba_wrapper", "import_udfs",
             "udf_modules", "conversion")
    if udfs.conversion is not conversion:
        raise XlwingsChanged("xlwings.udfs no longer converts through xlwings.conversion")
    _require(conversion, "read", "write", "accessors")
    params = list(inspect.signature(udfs.call_udf).parameters)
    if params != ["module_name", "func_name", "args", "this_workbook", "caller"]:
        raise XlwingsChanged(f"call_udf{tuple(params)} changed")
    source = "".join(inspect.getsource(udfs.call_udf).split())
    missing = [s for s in _CALL_UDF_STATEMENTS if s not in source]
    if missing:
        raise XlwingsChanged(f"call_udf changed, the harness no longer reproduces: {missing}")


@cache
def xlwings_udfs() -> types.ModuleType:
    """xlwings' real ``xlwings/udfs.py``, loaded privately (not published in ``sys.modules``)."""
    spec = importlib.util.find_spec("xlwings.udfs")
    if spec is None or spec.loader is None or Path(str(spec.origin)).resolve().parent != XLWINGS_DIR:
        raise XlwingsChanged("xlwings/udfs.py not found beside xlwings/__init__.py")
    udfs = importlib.util.module_from_spec(spec)
    with _in_sys_modules(_windows_stubs()):
        spec.loader.exec_module(udfs)
    check_xlwings_udfs(udfs)
    return udfs


# -- the "excel" engine of _xlwindows.py ----------------------------------------------------------

# The COM-free part of _xlwindows.py that the conversion pipeline reaches through the engine.
_ENGINE_DEFINITIONS = ("time_types", "cell_errors", "_com_time_to_datetime", "_datetime_to_com_time",
                       "_clean_value_data_element", "Engine")


def _defines(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {t.id for t in node.targets if isinstance(t, ast.Name)}
    if isinstance(node, ast.If):  # "if np: time_types = time_types + (np.datetime64,)"
        return set().union(*(_defines(n) for n in node.body))
    return set()


def _unresolved_globals(table: symtable.SymbolTable) -> set[str]:
    at_module_level = table.get_type() == "module"
    names = {s.get_name() for s in table.get_symbols() if s.is_referenced() and (s.is_global() or at_module_level)}
    for child in table.get_children():
        names |= _unresolved_globals(child)
    return names


@cache
def windows_engine() -> Any:
    """``_xlwindows.engine``: xlwings' Windows engine object, built from its own source code."""
    source = (XLWINGS_DIR / "_xlwindows.py").read_text(encoding="utf-8")
    kept = [n for n in ast.parse(source).body if _defines(n) & set(_ENGINE_DEFINITIONS)]
    found = set().union(*(_defines(n) for n in kept)) if kept else set()
    if missing := set(_ENGINE_DEFINITIONS) - found:
        raise XlwingsChanged(f"_xlwindows.py no longer defines {sorted(missing)}")
    tree = ast.Module(body=kept, type_ignores=[])  # original line numbers: tracebacks show the real lines
    namespace: dict[str, Any] = {
        "__name__": "xlwings._xlwindows",
        "dt": dt, "np": np, "pd": pd, "np_datetime_to_datetime": np_datetime_to_datetime,
        "pywintypes": _windows_stubs()["pywintypes"],
        # Only _datetime_to_com_time uses it, to tag a written date as UTC as pywin32 requires.
        "win32timezone": _stub("win32timezone", TimeZoneInfo=types.SimpleNamespace(utc=lambda: dt.UTC)),
        "Apps": _no_com("_xlwindows.Apps"),  # Engine.apps: the running Excel instances
    }
    used = _unresolved_globals(symtable.symtable(ast.unparse(tree), "_xlwindows.py", "exec"))
    if unknown := used - set(namespace) - set(dir(builtins)) - found:
        raise XlwingsChanged(f"the Windows engine code now uses {sorted(unknown)}: add a faithful equivalent")
    exec(compile(tree, str(XLWINGS_DIR / "_xlwindows.py"), "exec"), namespace)
    engine = namespace["Engine"]()
    _require(engine, "clean_value_data", "prepare_xl_data_element", "name", "type")
    if (engine.name, engine.type) != ("excel", "desktop"):
        raise XlwingsChanged(f"the Windows engine is now {engine.name!r}/{engine.type!r}")
    engine.cell_errors = dict(namespace["cell_errors"])
    return engine


def excel_errors() -> dict[str, int]:
    """Error cell text -> the int COM passes for it (``_xlwindows.cell_errors``, reversed)."""
    return {text: code for code, text in windows_engine().cell_errors.items()}


EXCEL_ERRORS = excel_errors()


@contextlib.contextmanager
def excel_engine() -> Iterator[Engine]:
    """Register the Windows engine as ``xlwings.engines["excel"]`` (as on Windows), then restore."""
    engines = xlwings.engines
    _require(engines, "add", "engines", "engines_by_name", "active")
    saved = list(engines.engines), dict(engines.engines_by_name), engines.active
    engine = Engine(impl=windows_engine())
    engines.add(engine)
    try:
        yield engine
    finally:
        engines.engines[:] = saved[0]
        engines.engines_by_name.clear()
        engines.engines_by_name.update(saved[1])
        engines.active = saved[2]


# -- the decorators, the call, the VBA -----------------------------------------------------------

_DECORATORS = {"func": "xlfunc", "arg": "xlarg", "ret": "xlret", "script": "xlsub", "sub": "xlsub"}


def decorate(module: types.ModuleType) -> types.ModuleType:
    """A fresh copy of ``module`` whose UDFs went through xlwings' real ``xlfunc/xlarg/xlret``.

    The module's source runs again with ``xlwings.func``, ``arg``, ``ret`` (and ``script``, ``sub``)
    set to the Windows decorators, exactly what ``import xlwings`` binds on Windows, so that
    decoration-time failures (e.g. an unresolvable type hint) happen here as they would in Excel.
    The copy is not put in ``sys.modules``; the original module is left as it was.
    """
    udfs = xlwings_udfs()
    spec = module.__spec__
    if spec is None or spec.loader is None:
        raise ValueError(f"{module.__name__} has no import spec to execute again")
    fresh = importlib.util.module_from_spec(spec)
    saved = {name: getattr(xlwings, name, None) for name in _DECORATORS}
    for name, real in _DECORATORS.items():
        setattr(xlwings, name, getattr(udfs, real))
    try:
        spec.loader.exec_module(fresh)
    finally:
        for name, previous in saved.items():
            if previous is None:
                delattr(xlwings, name)
            else:
                setattr(xlwings, name, previous)
    if not udf_functions(fresh):
        raise ValueError(f"{module.__name__} defines no @xw.func")
    return fresh


def udf_functions(module: types.ModuleType) -> dict[str, Callable[..., Any]]:
    """The module's UDFs, by Excel name, as ``generate_vba_wrapper`` finds them."""
    return {f.__xlfunc__["name"]: f for f in vars(module).values() if hasattr(f, "__xlfunc__")}


def _check_supported(info: dict[str, Any]) -> None:
    """Refuse what call_udf does through COM (a real Range, the caller cell, a background thread)."""
    for arg in info["args"]:
        options = arg["options"]
        if arg["name"] == "caller" or options.get("convert") in ("range", xlwings.Range) or "expand" in options:
            raise NotImplementedError(f"{info['name']}: argument {arg['name']} needs a real Excel Range")
    if info["async_mode"] or info["ret"]["options"].get("expand"):
        raise NotImplementedError(f"{info['name']}: async and dynamic-array UDFs need Excel's caller cell")


def call(func: Callable[..., Any], *excel_args: object) -> list[list[Any]]:
    """Call a decorated UDF as ``call_udf`` does, with the values COM would pass; return what it returns.

    Omitted trailing arguments are passed as ``MISSING``, like the VBA wrapper's ``Array(...)`` of
    an omitted ``Optional`` argument. Each argument goes through ``xlwings.conversion.read`` with its
    ``@xw.arg`` options, the result through ``xlwings.conversion.write`` with the ``@xw.ret``
    options: a list of rows, which the COM server hands to Excel (1×1 shows as one cell). Any
    exception propagates, as it does to the VBA wrapper, whose cell then shows its message.
    """
    info = getattr(func, "__xlfunc__", None)
    if info is None:
        raise ValueError(f"{getattr(func, '__name__', func)!r} has no __xlfunc__: take it from decorate(module)")
    _check_supported(info)
    args_info, ret_info = info["args"], info["ret"]
    if len(excel_args) > len(args_info) and not (args_info and args_info[-1]["vararg"]):
        raise TypeError(f"{info['name']} takes {len(args_info)} arguments in Excel, {len(excel_args)} given")
    args = list(excel_args) + [MISSING] * (len(args_info) - len(excel_args))
    with excel_engine():
        for i, arg in enumerate(args):  # call_udf's loop, minus the COM Range branch
            arg_info = args_info[min(i, len(args_info) - 1)]
            if isinstance(arg, int) and arg == MISSING:
                args[i] = arg_info.get("optional", None)
            else:
                args[i] = conversion.read(None, arg, arg_info["options"])
        ret = func(*args)
        return conversion.write(ret, None, ret_info["options"])


def vba_wrappers(module: types.ModuleType, workbook: str = "Devis.xlsm") -> str:
    """The VBA that ``generate_vba_wrapper`` writes for ``module`` (part of « Import Functions »)."""
    out = io.StringIO()
    xlwings_udfs().generate_vba_wrapper(module.__name__, module, out, types.SimpleNamespace(Name=workbook))
    return out.getvalue()


class _Recorder:
    """Stand-in for the COM objects import_udfs touches; records what is done to them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.imported: list[str] = []

    def method(self, name: str) -> Callable[..., None]:
        def record(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))
            if name == "VBComponents.Import":  # the temporary .bas file import_udfs wrote
                self.imported.append(Path(args[0]).read_text(encoding="utf-8"))
        return record


class _VBComponents:
    def __init__(self, rec: _Recorder) -> None:
        self.Remove = rec.method("VBComponents.Remove")
        self.Import = rec.method("VBComponents.Import")

    def __call__(self, name: str) -> str:  # VBComponents("xlwings_udfs"): the component to remove
        return name


@dataclass
class Imported:
    vba: str  # the module imported into the workbook's VBA project
    macro_options: dict[str, dict[str, Any]]  # function -> Application.MacroOptions keywords (wizard texts)


def import_functions(module: types.ModuleType, workbook: str = "Devis.xlsm", excel_version: str = "16.0") -> Imported:
    """Run xlwings' ``import_udfs`` (the add-in's « Import Functions ») for ``module``."""
    udfs = xlwings_udfs()
    rec = _Recorder()
    book = types.SimpleNamespace(
        Name=workbook,
        VBProject=types.SimpleNamespace(VBComponents=_VBComponents(rec)),
        Application=types.SimpleNamespace(Version=excel_version, MacroOptions=rec.method("MacroOptions"),
                                          Run=rec.method("Application.Run")),
    )
    previous = udfs.udf_modules.get(module.__name__)
    # get_udf_module's cache entry; filetime None: "not reloadable", so the decorated copy is used.
    udfs.udf_modules[module.__name__] = {"filename": module.__file__, "filetime": None, "module": module}
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # its "Imported functions from ..." message
            udfs.import_udfs(module.__name__, book)
    finally:
        if previous is None:
            udfs.udf_modules.pop(module.__name__, None)
        else:
            udfs.udf_modules[module.__name__] = previous
    if len(rec.imported) != 1:
        raise XlwingsChanged(f"import_udfs imported {len(rec.imported)} VBA modules, expected 1")
    options = {}
    for name, args, kwargs in rec.calls:
        if name == "MacroOptions":
            options[args[0].split("!", 1)[1]] = kwargs
    return Imported(vba=rec.imported[0], macro_options=options)
