package org.aiflow.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The zip the server stores per snapshot: the workflow file at the top, each artifact file next to it, each
 * artifact folder under its own name with its tree, as the Python SDK packs them. Entries are sorted and carry
 * a fixed time, so the same files always make the same bytes (the server then adds no new snapshot).
 */
final class WorkflowPackage {
    private static final LocalDateTime FIXED_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);
    private static final String SKIPPED_FOLDER = "__pycache__";

    final String entry;
    final byte[] data;

    private WorkflowPackage(String entry, byte[] data) {
        this.entry = entry;
        this.data = data;
    }

    /**
     * Zip {@code workflowFile} and {@code artifacts} (files or folders).
     *
     * @throws AIFlowException a path does not exist, or two paths would take one name in the zip
     */
    static WorkflowPackage build(Path workflowFile, List<Path> artifacts) {
        if (!Files.isRegularFile(workflowFile)) {
            throw new AIFlowException("workflow file '" + workflowFile + "' does not exist", null);
        }
        Map<String, Path> members = new TreeMap<>();
        add(members, workflowFile.getFileName().toString(), workflowFile);
        for (Path artifact : artifacts) {
            if (Files.isRegularFile(artifact)) {
                add(members, artifact.getFileName().toString(), artifact);
            } else if (Files.isDirectory(artifact)) {
                Path top = artifact.toAbsolutePath().normalize();
                for (Path file : filesBelow(top)) {
                    add(members, top.getFileName() + "/" + slashes(top.relativize(file)), file);
                }
            } else {
                throw new AIFlowException("artifact '" + artifact + "' does not exist", null);
            }
        }
        return new WorkflowPackage(workflowFile.getFileName().toString(), zip(members));
    }

    private static void add(Map<String, Path> members, String name, Path file) {
        Path other = members.putIfAbsent(name, file);
        if (other != null) {
            throw new AIFlowException("'" + file + "' and '" + other + "' would both be '" + name
                    + "' in the package", null);
        }
    }

    private static List<Path> filesBelow(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            return walk.filter(Files::isRegularFile)
                    .filter(file -> !slashes(folder.relativize(file)).matches("(.*/)?" + SKIPPED_FOLDER + "/.*"))
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String slashes(Path relative) {
        return relative.toString().replace(relative.getFileSystem().getSeparator(), "/");
    }

    private static byte[] zip(Map<String, Path> members) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (ZipOutputStream archive = new ZipOutputStream(buffer)) {
            for (Map.Entry<String, Path> member : members.entrySet()) {
                ZipEntry entry = new ZipEntry(member.getKey());
                entry.setTimeLocal(FIXED_TIME);
                archive.putNextEntry(entry);
                archive.write(Files.readAllBytes(member.getValue()));
                archive.closeEntry();
            }
        } catch (IOException e) {
            throw new AIFlowException("cannot pack the workflow: " + e, e);
        }
        return buffer.toByteArray();
    }
}
