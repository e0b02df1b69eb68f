"""Cell execution. Each cell is compiled by the kernel into ONE code object named <cell-N-TAG> (its source
registered in linecache, so tracebacks show the lines) and run with exec(): the cell's module frame is
the base frame the snapshot engine captures from. IPython's input transformers still handle %magic,
%%cell magic, !cmd and obj?; the value of the last expression goes to sys.displayhook (via display_last.show)."""
import __future__
import ast
import io
import linecache
import re
import secrets
import sys
import tokenize
import warnings

import _suspendable_kernel as _kernel
from IPython.core.interactiveshell import ExecutionInfo, ExecutionResult

from . import suspension

# run_cell's result for a cell that was suspended (its frames are off the stack, waiting for %resume).
SUSPENDED = "suspended"

# compile() flag (Include/cpython/compile.h): allow top-level await; the code is then a coroutine.
PyCF_ALLOW_TOP_LEVEL_AWAIT = 0x2000
CO_COROUTINE = 0x0080

_silent_runs = 0

# This kernel process's part of cell file names. A session resumed in another kernel brings its functions,
# frames and linecache sources under their old names: by execution count alone, the old cell [3] and this
# kernel's cell [3] would share one linecache entry, and tracebacks and inspect.getsource of restored
# functions would show whichever cell was registered last.
KERNEL_TAG = secrets.token_hex(3)
_NUMBERED = re.compile(r"<cell-(\d+)-[0-9a-f]+>")


def cell_filename(count, store_history):
    """<cell-N-TAG> for cells that get an execution count; silent ones get their own names so they never
    overwrite the linecache source of a numbered cell."""
    global _silent_runs
    if store_history:
        return f"<cell-{count}-{KERNEL_TAG}>"
    _silent_runs += 1
    return f"<cell-silent-{_silent_runs}-{KERNEL_TAG}>"


def cell_number(filename):
    """N of a numbered cell's file name (this kernel's or a restored session's), else None."""
    match = _NUMBERED.fullmatch(str(filename))
    return int(match.group(1)) if match else None


def register_restored_cells(filenames, shell):
    """Restored cells' names, so IPython's tracebacks say "Cell In[N]" for them as for this kernel's."""
    for name in filenames:
        number = cell_number(name)
        if number is not None:
            shell.compile._filename_map.setdefault(name, number)


def register_source(filename, source):
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    # mtime None: linecache.checkcache() keeps entries it cannot stat.
    linecache.cache[filename] = (len(source), None, lines, filename)


def _display_last_expression(tree):
    """`expr` as the last statement becomes
    `__import__('suspendable_kernel.display_last', fromlist=['show']).show(expr)`: one code object, and
    only the last expression is shown (IPython's 'last_expr'). Nothing is added to the namespace."""
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return tree
    last = tree.body[-1]
    module = ast.Call(func=ast.Name(id="__import__", ctx=ast.Load()),
                      args=[ast.Constant("suspendable_kernel.display_last")],
                      keywords=[ast.keyword(arg="fromlist", value=ast.List(elts=[ast.Constant("show")],
                                                                           ctx=ast.Load()))])
    call = ast.Call(func=ast.Attribute(value=module, attr="show", ctx=ast.Load()), args=[last.value], keywords=[])
    tree.body[-1] = ast.copy_location(ast.Expr(value=call), last)
    ast.fix_missing_locations(tree)
    return tree


def ends_with_semicolon(source):
    """IPython's rule: a trailing ';' (ignoring comments and blank lines) silences the last value."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    for token in reversed(tokens):
        if token.type in (tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT,
                          tokenize.DEDENT, tokenize.INDENT):
            continue
        return token.type == tokenize.OP and token.string == ";"
    return False


def compile_cell(shell, source, filename, display=True):
    tree = ast.parse(source, filename=filename)
    tree = shell.transform_ast(tree)
    if display and not ends_with_semicolon(source):
        tree = _display_last_expression(tree)
    flags = shell.compile.flags | PyCF_ALLOW_TOP_LEVEL_AWAIT
    code = compile(tree, filename, "exec", flags=flags, dont_inherit=True)
    _remember_future_features(shell, code)
    return code


def _remember_future_features(shell, code):
    """`from __future__ import x` in a cell applies to every later cell, as in IPython (codeop.Compile
    does this when it compiles; we compile ourselves)."""
    for name in __future__.all_feature_names:
        flag = getattr(__future__, name).compiler_flag
        if code.co_flags & flag:
            shell.compile.flags |= flag


def run_cell(shell, raw_cell, count, silent, store_history):
    """Runs one cell; returns True on success, SUSPENDED, or False after an error (already shown)."""
    info = ExecutionInfo(raw_cell, store_history, silent, True, None)
    result = ExecutionResult(info)
    shell.last_error = None
    if store_history:
        shell.execution_count = count
    shell.events.trigger("pre_execute")
    if not silent:
        shell.events.trigger("pre_run_cell", info)
    outcome = None
    try:
        outcome = _run(shell, raw_cell, count, silent, store_history, result)
        return outcome
    finally:
        # A suspended cell has not finished: the inline backend's post_execute would show and close
        # the figure it is drawing, which the %resume cell goes on drawing and shows at its own end.
        if outcome is not SUSPENDED:
            shell.events.trigger("post_execute")
        if not silent:
            shell.events.trigger("post_run_cell", result)
        if store_history:
            shell.history_manager.store_output(count)
            shell.execution_count = count + 1


def _run(shell, raw_cell, count, silent, store_history, result):
    try:
        cell = shell.transform_cell(raw_cell)
    except Exception:
        cell = raw_cell
        transform_error = True
    else:
        transform_error = False
    if store_history:
        shell.history_manager.store_inputs(count, cell, raw_cell)
    if transform_error:
        shell.showtraceback()
        result.error_before_exec = sys.exc_info()[1]
        return False
    if not cell.strip():
        return True

    filename = cell_filename(count, store_history)
    register_source(filename, cell)
    if store_history:
        # IPython's traceback formatter then says "Cell In[N], line L", as in every IPython kernel.
        shell.compile._filename_map[filename] = count
    try:
        code = compile_cell(shell, cell, filename, display=not silent)
    except (SyntaxError, OverflowError, ValueError, MemoryError) as e:
        shell.showsyntaxerror(filename)
        result.error_before_exec = e
        return False

    shell.displayhook.quiet_cell = False
    shell.displayhook.exec_result = result
    try:
        # The cell runs from this frame, which is the one frame InteractiveTB skips (tb_offset=1).
        with shell.builtin_trap, shell.display_trap:
            if code.co_flags & CO_COROUTINE:
                shell.loop_runner(eval(code, shell.user_global_ns, shell.user_ns))
            else:
                suspension.prepare(code, count if store_history else None)
                try:
                    value = _kernel.run_cell(code, shell.user_ns)
                finally:
                    suspension.finish()
                if value is _kernel.SUSPENDED:
                    return SUSPENDED
    except SystemExit as e:
        result.error_in_exec = e
        shell.showtraceback(exception_only=True)
        warnings.warn("To exit: use 'exit', 'quit', or Ctrl-D.", stacklevel=1)
        return False
    except BaseException as e:  # KeyboardInterrupt included: the kernel survives anything a cell raises
        result.error_in_exec = e
        suspension.trim_traceback(e)
        shell.showtraceback(running_compiled_code=True)
        return False
    finally:
        shell.displayhook.exec_result = None
    return True
