// The C calls the engine runs itself so that their state is readable by the capture (keyed_sort.cpp,
// running_sum.cpp, min_max.cpp): each one registers its state for as long as it runs (internal to
// snapshot/frames).
#pragma once

#include <algorithm>
#include <vector>

namespace suspendable::frames
{

template <typename State> class call_registry
{
public:
    // Registers `s` until destroyed. Threads interleave under the GIL, so a finished call is removed
    // wherever it is, not only from the end.
    class entry
    {
    public:
        explicit entry(State* s) : m_state(s) { all().push_back(s); }
        ~entry()
        {
            auto& calls = all();
            calls.erase(std::find(calls.begin(), calls.end(), m_state));
        }
        entry(const entry&) = delete;
        entry& operator=(const entry&) = delete;

    private:
        State* m_state;
    };

    // The innermost registered call that `match` accepts, or nullptr.
    template <typename Match> static State* find(Match match)
    {
        auto& calls = all();
        for (auto it = calls.rbegin(); it != calls.rend(); ++it)
        {
            if (match(**it))
                return *it;
        }
        return nullptr;
    }

private:
    static std::vector<State*>& all()
    {
        static auto* calls = new std::vector<State*>(); // never destroyed: may outlive Py_Finalize
        return *calls;
    }
};

} // namespace suspendable::frames
