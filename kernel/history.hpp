// history_request served from IPython's on-disk history database (survives kernel restarts). Inputs are
// stored by the cell runner with the execution count it used, so store_inputs from the xeus core (which
// reads a non-standard execution_count field from the request) is ignored.
#pragma once

#include <xeus/xhistory_manager.hpp>

#include <memory>

namespace suspendable
{

std::unique_ptr<xeus::xhistory_manager> make_history_manager();

} // namespace suspendable
