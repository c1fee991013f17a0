package org.aiflow.client;

import java.util.List;
import java.util.Map;

/** Lines of one try's log, the cursor to read on from, and whether the log is complete. */
public final class TaskLogPage extends JsonRecord {
    /** Read from the server's JSON. */
    public TaskLogPage(Map<String, Object> fields) {
        super(fields);
    }

    /** The lines of this page. */
    public List<String> getLines() {
        return texts("lines");
    }

    /** The cursor to pass as {@code after} for the lines that follow. */
    public String getNext() {
        return text("next");
    }

    /** Whether the try has ended and its log is complete. */
    public boolean isFinished() {
        return flag("finished");
    }

    /** The try these lines are of. */
    public long getTryNumber() {
        return number("try_number");
    }
}
