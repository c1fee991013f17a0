package org.aiflow.client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.aiflow.notification.Event;
import org.aiflow.notification.NotificationClient;

/**
 * Drives the calls of {@link AIFlowClient} that the quickstart example leaves out, against a running server,
 * printing one line per result for a test on the Python side to compare.
 *
 * <p>Usage: {@code ClientCheck SERVER_ADDRESS ADMIN_TOKEN WORKFLOW_FILE ARTIFACT_FOLDER}; the workflow file is
 * the quickstart's.
 */
public final class ClientCheck {
    private static final String WORKFLOW = "quickstart_workflow";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final AIFlowClient client;

    private ClientCheck(AIFlowClient client) {
        this.client = client;
    }

    /** Run every check against the server the arguments name. */
    public static void main(String[] args) throws InterruptedException {
        ClientCheck check = new ClientCheck(new AIFlowClient(args[0], args[1]));
        check.namespaces();
        check.workflows(Path.of(args[2]), Path.of(args[3]));
        check.schedulesAndTriggers();
        check.executions();
        check.listenerFromAnOffset();
    }

    private void namespaces() {
        NamespaceMeta added = client.addNamespace("java_ns", Map.of("team", "java"));
        print("added namespace", added.getName(), added.getProperties());
        print("updated namespace", client.updateNamespace("java_ns", Map.of("team", "jvm")).map(
                NamespaceMeta::getProperties));
        print("update unknown namespace", client.updateNamespace("no_such_ns", Map.of()));
        print("namespaces", client.listNamespace().stream().map(NamespaceMeta::getName).sorted()
                .collect(Collectors.toList()));
        print("first namespace", client.listNamespace(1, 0).size());
        refused("add namespace 'bad name'", () -> client.addNamespace("bad name", null));
        client.deleteNamespace("java_ns");
        print("deleted namespace", client.getNamespace("java_ns"));
    }

    private void workflows(Path file, Path artifacts) {
        WorkflowMeta first = client.uploadWorkflow(file, List.of(artifacts), WORKFLOW, "default");
        WorkflowMeta again = client.uploadWorkflow(file, List.of(artifacts), WORKFLOW, "default");
        print("uploaded twice, same snapshot", first.getSnapshotId().equals(again.getSnapshotId()),
                first.getSnapshotId());
        List<WorkflowSnapshotMeta> snapshots = client.listWorkflowSnapshots(WORKFLOW, "default");
        WorkflowSnapshotMeta snapshot = client.getWorkflowSnapshot(first.getSnapshotId()).orElseThrow();
        print("snapshots", snapshots.size(), snapshot.getEntry(), snapshot.getTaskNames());
        print("workflows", client.listWorkflows("default").stream().map(WorkflowMeta::getName)
                .collect(Collectors.toList()), client.listWorkflows("default", 10, 1).size());
        refused("upload a missing file", () -> client.uploadWorkflow(Path.of("no_such_file.py")));
        client.disableWorkflow(WORKFLOW, "default");
        print("disabled", client.getWorkflow(WORKFLOW).map(WorkflowMeta::isEnabled));
        refused("start a disabled workflow", () -> client.startWorkflowExecution(WORKFLOW));
        client.enableWorkflow(WORKFLOW, "default");
        print("enabled", client.getWorkflow(WORKFLOW, "default").map(WorkflowMeta::isEnabled));
    }

    private void schedulesAndTriggers() {
        WorkflowScheduleMeta schedule = client.addWorkflowSchedule("cron@0 0 1 1 *", WORKFLOW, "default");
        client.pauseWorkflowSchedule(schedule.getId());
        print("paused schedule", client.getWorkflowSchedule(schedule.getId()).map(AttachmentMeta::isPaused),
                schedule.getExpression());
        client.resumeWorkflowSchedule(schedule.getId());
        print("resumed schedule", client.listWorkflowSchedules(WORKFLOW, "default").get(0).isPaused());
        refused("add schedule 'cron@0 0 31 2 *'", () -> client.addWorkflowSchedule("cron@0 0 31 2 *", WORKFLOW,
                "default"));
        print("deleted schedules", client.deleteWorkflowSchedules(WORKFLOW, "default"));

        WorkflowEventTriggerMeta trigger = client.addWorkflowTrigger(WorkflowTriggerOps.eventCondition("never_sent"),
                WORKFLOW, "default");
        print("trigger condition", trigger.getCondition().get("kind"), trigger.getCondition().get("keys"));
        client.pauseWorkflowTrigger(trigger.getId());
        print("paused trigger", client.getWorkflowTrigger(trigger.getId()).map(AttachmentMeta::isPaused));
        client.resumeWorkflowTrigger(trigger.getId());
        refused("add trigger of kind 'magic'", () -> client.addWorkflowTrigger(Map.of("kind", "magic"), WORKFLOW,
                "default"));
        client.deleteWorkflowTrigger(trigger.getId());
        print("triggers left", client.listWorkflowTriggers(WORKFLOW, "default").size(),
                client.deleteWorkflowTriggers(WORKFLOW, "default"));
    }

    private void executions() {
        long id = client.startWorkflowExecution(WORKFLOW, "default");
        WorkflowExecutionMeta execution = client.waitForWorkflowExecution(id, TIMEOUT);
        print("execution", execution.getStatus(), execution.getWorkflowName(), execution.getExecutionType(),
                !execution.getEndDate().isBefore(execution.getBeginDate()));
        TaskExecutionMeta task1 = client.listTaskExecutions(id).stream()
                .filter(t -> t.getTaskName().equals("task1")).findFirst().orElseThrow();
        print("task1", client.getTaskExecution(task1.getId()).map(TaskExecutionMeta::getStatus),
                task1.getSequenceNumber(), task1.getTryNumber());
        TaskLogPage log = client.getTaskExecutionLog(task1.getId(), null, null);
        print("task1 log", log.getLines().stream().anyMatch(line -> line.contains("task1 says hello")),
                log.isFinished(), log.getTryNumber());
        refused("stop a finished execution", () -> client.stopWorkflowExecution(id));
        refused("restart task1 of a finished execution", () -> client.restartTaskExecution(id, "task1"));
        print("task execution 999999", client.getTaskExecution(999999));
        print("executions", client.listWorkflowExecutions(WORKFLOW, "default").size(),
                client.listWorkflowExecutions(WORKFLOW, "default", 5, 0).get(0).getId() == id);
        client.deleteWorkflowExecution(id);
        print("deleted execution", client.getWorkflowExecution(id));
    }

    private void listenerFromAnOffset() throws InterruptedException {
        try (NotificationClient events = client.notificationClient("default")) {
            Event first = events.sendEvent(new Event("java_check", "one").with("java", "check"));
            events.sendEvent("java_check", "two");
            BlockingQueue<Event> received = new LinkedBlockingQueue<>();
            String id = events.registerListener(received::addAll, List.of(), first.getOffset() - 1);
            for (int i = 0; i < 2; i++) {
                Event event = received.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                print("received", event == null ? null : event.getValue(), event == null ? null : event.getSender());
            }
            events.unregisterListener(id);
            refused("unregister it again", () -> events.unregisterListener(id));
        }
    }

    private static void refused(String what, Runnable call) {
        try {
            call.run();
            print(what, "was not refused");
        } catch (AIFlowException e) {
            print(what, e.getStatusCode(), e.getError());
        } catch (IllegalArgumentException e) {
            print(what, e.getClass().getSimpleName());
        }
    }

    private static void print(String what, Object... values) {
        System.out.println(what + ": " + Arrays.stream(values).map(String::valueOf)
                .collect(Collectors.joining(" ")));
    }
}
