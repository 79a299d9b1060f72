"""Domain errors: raised by operations, turned into HTTP errors by the web layer."""


class DomainError(Exception):
    """Base of every error an operation raises on purpose."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(DomainError):
    """The addressed record does not exist (or is not visible to the caller)."""

    status = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller may not do this, whatever the input (e.g. an admin demoting themself)."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The change would break a uniqueness rule (e.g. a CPF another customer has)."""

    status = 409
    code = "conflict"


class Invalid(DomainError):
    """Input is well-formed but breaks a business rule; `errors` names the fields."""

    status = 422
    code = "validation_error"

    @classmethod
    def field(cls, name: str, message: str) -> "Invalid":
        return cls(f"Invalid value for {name}.", {name: [message]})


class AuthenticationFailed(DomainError):
    """Credentials or token not accepted; deliberately says no more than that."""

    status = 401
    code = "unauthorized"


class TooManyAttempts(DomainError):
    """Too much at once: logins locked after repeated failures (per username and IP, or per
    IP), or more exports running than a user may have. Says when to try again."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after_seconds: int):
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
