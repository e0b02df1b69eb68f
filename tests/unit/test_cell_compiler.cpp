// The kernel's cell compiler (suspendable_kernel.execution) inside the same embedded interpreter the
// kernel uses: one code object per cell named <cell-N>, source in linecache, only the last expression
// displayed (and not after ';'), IPython transforms (%magic, !cmd) applied, top-level await allowed.
#include "kernel_module.hpp"
#include "py_ref.hpp"
#include "python_runtime.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace
{

using suspendable::py_ref;

class cell_compiler : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        // IPython keeps its history database under IPYTHONDIR: keep the test away from $HOME.
        static std::string dir = (std::filesystem::temp_directory_path() / "suspendable-unit-ipython").string();
        setenv("IPYTHONDIR", dir.c_str(), 1);
        suspendable::runtime_options options;
        options.install_signal_handlers = false;
        options.builtins = {{"_suspendable_kernel", suspendable::init_kernel_module}};
        runtime = new suspendable::python_runtime(options);
        ASSERT_EQ(PyRun_SimpleString("from suspendable_kernel import execution, shell as shell_module\n"
                                     "shell = shell_module.create()\n"),
                  0);
    }

    // Runs Python statements in __main__; a failed assert fails the test with the Python message.
    static void run(const std::string& code)
    {
        PyObject* main = PyModule_GetDict(PyImport_AddModule("__main__"));
        py_ref result = py_ref::steal(PyRun_String(code.c_str(), Py_file_input, main, main));
        if (!result)
            FAIL() << suspendable::fetch_error_message() << "\nin:\n" << code;
    }

    static suspendable::python_runtime* runtime;
};

suspendable::python_runtime* cell_compiler::runtime = nullptr;

TEST_F(cell_compiler, one_code_object_named_after_the_cell)
{
    run("code = execution.compile_cell(shell, 'def f():\\n    return 1\\nx = f()\\n', '<cell-7>')\n"
        "assert code.co_name == '<module>' and code.co_filename == '<cell-7>', (code.co_name, code.co_filename)\n"
        "ns = {}\n"
        "exec(code, ns)\n"
        "assert ns['x'] == 1 and ns['f'].__code__.co_filename == '<cell-7>'\n");
}

TEST_F(cell_compiler, only_the_last_expression_reaches_the_displayhook)
{
    run("import sys\n"
        "shown = []\n"
        "saved, sys.displayhook = sys.displayhook, shown.append\n"
        "try:\n"
        "    exec(execution.compile_cell(shell, '1\\n2\\n3 + 4', '<cell-8>'), {})\n"
        "    exec(execution.compile_cell(shell, 'y = 5', '<cell-9>'), {})\n"
        "    exec(execution.compile_cell(shell, '10;', '<cell-10>'), {})\n"
        "    exec(execution.compile_cell(shell, '11  # comment\\n', '<cell-11>'), {})\n"
        "    exec(execution.compile_cell(shell, '12', '<cell-12>', display=False), {})\n"
        "finally:\n"
        "    sys.displayhook = saved\n"
        "assert shown == [7, 11], shown\n");
}

TEST_F(cell_compiler, semicolon_rule_matches_ipython)
{
    run("e = execution.ends_with_semicolon\n"
        "assert e('x;') and e('x;  # done\\n\\n') and e('f(1);\\n')\n"
        "assert not e('x') and not e('s = \"a;\"') and not e('# only a comment;') and not e('')\n");
}

TEST_F(cell_compiler, source_is_in_linecache_and_survives_checkcache)
{
    run("import linecache\n"
        "execution.register_source('<cell-21>', 'a = 1\\nb = a +\\\\\\n  2')\n"
        "linecache.checkcache()\n"
        "assert linecache.getline('<cell-21>', 1) == 'a = 1\\n'\n"
        "assert linecache.getline('<cell-21>', 3) == '  2\\n', repr(linecache.getline('<cell-21>', 3))\n");
}

TEST_F(cell_compiler, traceback_points_at_the_cell_line)
{
    run("import traceback\n"
        "execution.register_source('<cell-22>', 'a = 1\\nraise ValueError(a)\\n')\n"
        "code = execution.compile_cell(shell, 'a = 1\\nraise ValueError(a)\\n', '<cell-22>')\n"
        "try:\n"
        "    exec(code, {})\n"
        "except ValueError as err:\n"
        "    frame = traceback.extract_tb(err.__traceback__)[-1]\n"
        "    assert (frame.filename, frame.lineno, frame.line) == ('<cell-22>', 2, 'raise ValueError(a)'), frame\n"
        "else:\n"
        "    raise AssertionError('no exception')\n");
}

TEST_F(cell_compiler, ipython_syntax_is_transformed_before_compiling)
{
    run("src = shell.transform_cell('%time 1\\n!echo hi\\nlen?\\n')\n"
        "assert 'run_line_magic' in src and 'system' in src, src\n"
        "execution.compile_cell(shell, src, '<cell-23>')\n");
}

TEST_F(cell_compiler, top_level_await_compiles_to_a_coroutine)
{
    run("import asyncio\n"
        "code = execution.compile_cell(shell, 'import asyncio\\nawait asyncio.sleep(0)\\nz = 3', '<cell-24>')\n"
        "assert code.co_flags & execution.CO_COROUTINE\n"
        "ns = {}\n"
        "asyncio.run(eval(code, ns))\n"
        "assert ns['z'] == 3\n");
}

TEST_F(cell_compiler, silent_cells_never_reuse_a_numbered_name)
{
    run("names = {execution.cell_filename(5, True), execution.cell_filename(5, False),\n"
        "         execution.cell_filename(5, False)}\n"
        "numbered = execution.cell_filename(5, True)\n"
        "assert len(names) == 3 and numbered == f'<cell-5-{execution.KERNEL_TAG}>', names\n"
        "assert [execution.cell_number(n) for n in sorted(names)] == [5, None, None], names\n"
        "assert execution.cell_number('<cell-12-0a1b2c>') == 12  # a restored session's cell\n");
}

} // namespace
