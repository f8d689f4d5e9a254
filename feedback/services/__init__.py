"""Use cases. Services add and flush; the caller (a view, a job, a command) commits."""


class ServiceError(Exception):
    """A refused use case: `status` is the HTTP status, `field` the form field at fault, if any."""

    def __init__(self, message: str, status: int = 400, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field
