class TransferError(Exception):
    """A move the rules forbid; ``message`` is shown to the user as it is (Chinese).

    ``field`` names the form field the message belongs next to, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleTransfer(TransferError):
    """Someone else acted on the transfer since this page was loaded."""
