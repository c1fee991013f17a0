package org.aiflow.client;

/**
 * A call to the AIFlow server failed, or could not be made.
 *
 * <p>{@link #getStatusCode()} is the HTTP status of the server's answer (0 when the server was not reached),
 * {@link #getError()} the short kind the server gave ({@code "not_found"}, {@code "conflict"}, ...) and
 * {@link #getDetail()} its readable message, which is also the exception's message.
 */
public class AIFlowException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int statusCode;
    private final String error;

    /** An error the server answered with. */
    public AIFlowException(String detail, int statusCode, String error) {
        super(detail);
        this.statusCode = statusCode;
        this.error = error;
    }

    /** A call that got no answer (or an answer that could not be read). */
    public AIFlowException(String detail, Throwable cause) {
        super(detail, cause);
        this.statusCode = 0;
        this.error = null;
    }

    /** The HTTP status of the answer, or 0 when there was none. */
    public int getStatusCode() {
        return statusCode;
    }

    /** The server's short kind of error, or null. */
    public String getError() {
        return error;
    }

    /** The readable message. */
    public String getDetail() {
        return getMessage();
    }
}
