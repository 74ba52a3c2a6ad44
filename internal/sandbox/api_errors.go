package sandbox

import "net/http"

// apiError is an error answer: {"status":"invalid-request"|"error","message":...}.
type apiError struct {
	httpStatus int
	status     string
	message    string
}

func invalidRequest(httpStatus int, msg string) *apiError {
	return &apiError{httpStatus: httpStatus, status: "invalid-request", message: msg}
}

func unauthorized(msg string) *apiError { return invalidRequest(http.StatusUnauthorized, msg) }

func notFound(msg string) *apiError { return invalidRequest(http.StatusNotFound, msg) }

func serverError(msg string) *apiError {
	return &apiError{httpStatus: http.StatusInternalServerError, status: "error", message: msg}
}

var (
	errCustomerNotFound = notFound("Customer not found")
	// errAlreadyDeleted answers a second delete with delete-deleted-400.
	errAlreadyDeleted = invalidRequest(http.StatusBadRequest, "Customer is already deleted")
)
