#include "store/paths.hpp"

#include "format/io.hpp"

#include <cerrno>
#include <cstdlib>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace suspendable::store
{

namespace
{

std::string env(const char* name)
{
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

std::string user_home()
{
    std::string home = env("HOME");
    if (!home.empty())
        return home;
    const passwd* pw = ::getpwuid(::getuid());
    return pw != nullptr && pw->pw_dir != nullptr ? pw->pw_dir : "/";
}

} // namespace

std::string home_dir()
{
    std::string home = env("SUSPENDABLE_HOME");
    if (!home.empty())
        return home;
    // The XDG spec says relative values are invalid and must be ignored.
    std::string xdg = env("XDG_DATA_HOME");
    if (!xdg.empty() && xdg[0] == '/')
        return xdg + "/suspendable";
    return user_home() + "/.local/share/suspendable";
}

std::string sessions_dir()
{
    return home_dir() + "/sessions";
}

std::string key_path()
{
    return home_dir() + "/key";
}

void make_private_dirs(const std::string& path)
{
    for (size_t pos = 1; pos <= path.size(); ++pos)
    {
        if (pos != path.size() && path[pos] != '/')
            continue;
        std::string prefix = path.substr(0, pos);
        if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
            format::throw_errno("cannot create directory", prefix);
    }
}

} // namespace suspendable::store
