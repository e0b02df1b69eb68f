// Where suspendable keeps its per-user state: $SUSPENDABLE_HOME, else $XDG_DATA_HOME/suspendable,
// else ~/.local/share/suspendable. The signing key and the sessions directory live there.
#pragma once

#include <string>

namespace suspendable::store
{

std::string home_dir();
std::string sessions_dir(); // home_dir()/sessions
std::string key_path();     // home_dir()/key

// mkdir -p with mode 0700 for the directories it creates (they hold code-bearing snapshots).
void make_private_dirs(const std::string& path);

} // namespace suspendable::store
