import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.aiflow.client.AIFlowClient;
import org.aiflow.client.AIFlowException;
import org.aiflow.client.TaskExecutionMeta;
import org.aiflow.client.TaskStatus;
import org.aiflow.client.WorkflowExecutionMeta;
import org.aiflow.client.WorkflowMeta;
import org.aiflow.notification.Event;
import org.aiflow.notification.EventQuery;
import org.aiflow.notification.NotificationClient;

/**
 * The quickstart from Java: upload samples/quickstart/quickstart.py, run it, wait for its four tasks to
 * succeed (the execution ends when its last task
 * has ended), then send, list, count and listen to events of the default namespace.
 *
 * <p>Usage: {@code java -cp aiflow-client.jar:. Quickstart SERVER_ADDRESS TOKEN WORKFLOW_FILE} (TOKEN may be
 * {@code -} for a server that needs none). Each step prints one line.
 */
public final class Quickstart {
    private static final String WORKFLOW = "quickstart_workflow";
    private static final String TASK_KEY = "quickstart_greeting";
    private static final String JAVA_KEY = "java_greeting";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Quickstart() {
    }

    /** Run the quickstart against the server the arguments name. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: Quickstart SERVER_ADDRESS TOKEN|- WORKFLOW_FILE");
            System.exit(2);
        }
        String token = args[1].equals("-") ? null : args[1];
        AIFlowClient client = new AIFlowClient(args[0], token);
        showRefusals(new AIFlowClient(args[0], "not-a-token"), client);

        WorkflowMeta workflow = client.uploadWorkflow(Path.of(args[2]));
        System.out.println("uploaded " + workflow.getNamespace() + "/" + workflow.getName() + " snapshot "
                + workflow.getSnapshotId());

        try (NotificationClient events = client.notificationClient("default")) {
            BlockingQueue<Event> received = new LinkedBlockingQueue<>();
            events.registerListener(received::addAll, List.of(TASK_KEY, JAVA_KEY));

            long executionId = client.startWorkflowExecution(WORKFLOW);
            System.out.println("started execution " + executionId);
            WorkflowExecutionMeta execution = client.waitForWorkflowExecution(executionId, TIMEOUT);
            Map<String, TaskStatus> tasks = new TreeMap<>();
            for (TaskExecutionMeta task : client.listTaskExecutions(executionId)) {
                tasks.put(task.getTaskName(), task.getStatus());
            }
            tasks.forEach((name, status) -> System.out.println("task " + name + " " + status));
            System.out.println("execution " + executionId + " " + execution.getStatus());

            Event sent = events.sendEvent(JAVA_KEY, "hello from java");
            System.out.println("sent " + sent.getKey() + " offset " + sent.getOffset());
            receiveUntil(received, JAVA_KEY);
            for (Event event : events.listEvents(EventQuery.all().withKey(TASK_KEY))) {
                System.out.println("listed " + describe(event));
            }
            System.out.println("counted " + JAVA_KEY + " " + events.countEvents(EventQuery.all().withKey(JAVA_KEY)));
            EventQuery fromTasks = EventQuery.all().withKey(TASK_KEY);
            System.out.println("counted " + TASK_KEY + " from task3 " + events.countEvents(fromTasks.withSender("task3"))
                    + ", from task9 " + events.countEvents(fromTasks.withSender("task9")));
            try {
                events.sendEvent("aiflow.reserved", "x");
            } catch (AIFlowException e) {
                System.out.println("send aiflow.reserved: " + e.getStatusCode() + " " + e.getError());
            }
        }
    }

    /** A wrong token and an unknown workflow are refused with the server's status and kind of error. */
    private static void showRefusals(AIFlowClient stranger, AIFlowClient client) {
        try {
            stranger.listWorkflows("default");
            System.out.println("a wrong token was let in");
        } catch (AIFlowException e) {
            System.out.println("wrong token: " + e.getStatusCode() + " " + e.getError());
        }
        System.out.println("get no_such_workflow: " + client.getWorkflow("no_such_workflow").isPresent());
        try {
            client.startWorkflowExecution("no_such_workflow");
        } catch (AIFlowException e) {
            System.out.println("start no_such_workflow: " + e.getStatusCode() + " " + e.getError() + ": "
                    + e.getDetail());
        }
    }

    /** Print what the listener delivers until an event with {@code key} comes. */
    private static void receiveUntil(BlockingQueue<Event> received, String key) throws InterruptedException {
        Instant deadline = Instant.now().plus(TIMEOUT);
        while (true) {
            Event event = received.poll(Duration.between(Instant.now(), deadline).toMillis(), TimeUnit.MILLISECONDS);
            if (event == null) {
                throw new IllegalStateException("no " + key + " event came within " + TIMEOUT);
            }
            System.out.println("received " + describe(event));
            if (event.getKey().equals(key)) {
                return;
            }
        }
    }

    private static String describe(Event event) {
        return event.getKey() + " " + event.getValue() + " from " + event.getSender() + " offset " + event.getOffset();
    }
}
