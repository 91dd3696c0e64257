"""brinery's exception types (subclasses of pickle's)."""

import pickle


class UnsafeError(pickle.UnpicklingError):
    """A pickle names a global that is neither in the safe set nor allowed.

    Raised before the global is imported. Attributes: ``global_name``
    (``"module.qualname"``), ``offset`` (byte offset of the opcode that
    named it, or None when not known) and ``opcode`` (its pickletools name,
    e.g. ``"STACK_GLOBAL"``, or None).
    """

    def __init__(self, message, global_name=None, offset=None, opcode=None):
        super().__init__(message)
        self.global_name = global_name
        self.offset = offset
        self.opcode = opcode


UnsafeError.__module__ = "brinery"
