#include "install_paths.hpp"

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace suspendable
{

namespace
{

fs::path executable_dir()
{
    return fs::path(executable_path()).parent_path();
}

} // namespace

std::string executable_path()
{
    std::error_code ec;
    fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.string();
}

std::string command_path()
{
    fs::path command = executable_dir() / "suspendable";
    return fs::exists(command) ? command.string() : executable_path();
}

std::string core_path()
{
    return (executable_dir() / "suspendable-core").string();
}

std::string python_package_dir()
{
    if (const char* env = std::getenv("SUSPENDABLE_PYTHON_DIR"))
        return env;
    fs::path exe_dir = executable_dir();
    for (const fs::path& candidate : {exe_dir / "python", exe_dir.parent_path() / "share/suspendable/python"})
    {
        if (fs::exists(candidate / "suspendable"))
            return candidate.string();
    }
    return (exe_dir / "python").string();
}

std::string extension_dir()
{
    if (const char* env = std::getenv("SUSPENDABLE_EXT_DIR"))
        return env;
    return (executable_dir() / "python-ext").string();
}

} // namespace suspendable
