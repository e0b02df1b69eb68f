"""The Python side of the "Python (suspendable)" Jupyter kernel.

The C++ kernel (xeus) owns the sockets and calls suspendable_kernel.kernel for every request; this
package talks back through the builtin module _suspendable_kernel.
"""
