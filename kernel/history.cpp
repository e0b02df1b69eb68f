#include "history.hpp"

#include "python_call.hpp"

namespace suspendable
{

namespace
{

class ipython_history final : public xeus::xhistory_manager
{
private:
    void configure_impl() override {}
    void store_inputs_impl(int, int, const std::string&, const std::string&) override {}

    nl::json get_tail_impl(int n, bool raw, bool output) const override
    {
        return call_kernel_json("history_tail", {n, raw, output});
    }

    nl::json get_range_impl(int session, int start, int stop, bool raw, bool output) const override
    {
        return call_kernel_json("history_range", {session, start, stop, raw, output});
    }

    nl::json search_impl(const std::string& pattern, bool raw, bool output, int n, bool unique) const override
    {
        return call_kernel_json("history_search", {pattern, raw, output, n, unique});
    }
};

} // namespace

std::unique_ptr<xeus::xhistory_manager> make_history_manager()
{
    return std::make_unique<ipython_history>();
}

} // namespace suspendable
