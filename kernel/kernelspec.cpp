// `suspendable install-kernelspec [--user | --prefix DIR] [--name NAME]`: writes kernel.json (with
// the absolute path of this binary) and the logos where `jupyter kernelspec list` finds them.
#include "cli.hpp"
#include "python_runtime.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace fs = std::filesystem;
namespace nl = nlohmann;

namespace suspendable::cli
{

namespace
{

const char* const kernel_name = "python-suspendable";

// Same rules as jupyter_core.paths.jupyter_data_dir() on Linux.
fs::path user_data_dir()
{
    if (const char* d = std::getenv("JUPYTER_DATA_DIR"); d && *d)
        return d;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
        return fs::path(x) / "jupyter";
    const char* home = std::getenv("HOME");
    return fs::path(home ? home : "/") / ".local/share/jupyter";
}

// The logos ship next to an installed binary (<prefix>/share/jupyter/kernels/...) or in the source tree.
fs::path logo_dir()
{
    fs::path exe_dir = fs::path(executable_path()).parent_path();
    fs::path installed = exe_dir.parent_path() / "share/jupyter/kernels" / kernel_name;
    if (fs::exists(installed / "logo-64x64.png"))
        return installed;
    return fs::path(SUSPENDABLE_SHARE_DIR) / "jupyter/kernels" / kernel_name;
}

nl::json kernel_json()
{
    return {
        {"argv", {command_path(), "kernel", "-f", "{connection_file}"}},
        {"display_name", "Python (suspendable)"},
        {"language", "python"},
        {"interrupt_mode", "signal"},
        // Set to "0" to turn off saving the session at shutdown and restoring it on restart.
        {"env", {{"SUSPENDABLE_AUTOSAVE", "1"}}},
        {"metadata", {{"debugger", false}, {"suspendable", {{"version", SUSPENDABLE_VERSION}}}}},
    };
}

} // namespace

int install_kernelspec(const args& a)
{
    fs::path data_dir = "/usr/local/share/jupyter";
    std::string name = kernel_name;
    for (std::size_t i = 0; i < a.size(); ++i)
    {
        if (a[i] == "--user")
            data_dir = user_data_dir();
        else if (a[i] == "--prefix" && i + 1 < a.size())
            data_dir = fs::path(a[++i]) / "share/jupyter";
        else if (a[i] == "--name" && i + 1 < a.size())
            name = a[++i];
        else
        {
            std::cerr << "usage: suspendable install-kernelspec [--user | --prefix DIR] [--name NAME]\n";
            return usage_error;
        }
    }
    fs::path dest = data_dir / "kernels" / name;
    fs::create_directories(dest);
    {
        std::ofstream out(dest / "kernel.json");
        out << kernel_json().dump(2) << "\n";
        if (!out)
            throw std::runtime_error("cannot write " + (dest / "kernel.json").string());
    }
    fs::path logos = logo_dir();
    for (const char* logo : {"logo-32x32.png", "logo-64x64.png", "logo-128x128.png"})
    {
        if (fs::exists(logos / logo))
            fs::copy_file(logos / logo, dest / logo, fs::copy_options::overwrite_existing);
        else
            std::cerr << "suspendable install-kernelspec: warning: " << (logos / logo) << " not found\n";
    }
    std::cout << "Installed kernelspec " << name << " in " << dest.string() << "\n";
    return 0;
}

} // namespace suspendable::cli
