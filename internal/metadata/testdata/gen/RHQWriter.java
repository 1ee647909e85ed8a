// RHQWriter writes the golden files of package metadata with the JDK classes RHQ
// used: java.util.Properties.store for deployment properties (DeploymentProperties
// .saveToFile) and a TreeMap printed line by line for file-hashcodes.dat
// (FileHashcodeMap.storeToFile). It is not part of the build; regenerate with
//
//	cd internal/metadata/testdata/gen && javac -d /tmp/rhqwriter RHQWriter.java &&
//	java -cp /tmp/rhqwriter RHQWriter ..
//
// Properties.store writes the time of the call; so that the files are
// reproducible, the second line is replaced by the Date.toString of a fixed
// instant in Europe/Prague, which is what store writes at that instant.
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Collections;
import java.util.Date;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;
import java.util.TreeMap;

public class RHQWriter {
    static final String COMMENT = "This file is auto-generated - DO NOT MODIFY!!!";
    // Mon Jul 11 09:17:09 CEST 2022
    static final long WHEN = 1657523829000L;

    /** SortedProperties stores its keys in String order, as JDK 18 and later do. */
    static class SortedProperties extends Properties {
        @Override
        public Set<Map.Entry<Object, Object>> entrySet() {
            TreeMap<Object, Object> sorted = new TreeMap<>();
            for (Map.Entry<Object, Object> e : super.entrySet()) {
                sorted.put(e.getKey(), e.getValue());
            }
            return Collections.synchronizedSet(sorted.entrySet());
        }

        @Override
        public synchronized Enumeration<Object> keys() {
            return Collections.enumeration(new TreeMap<>(this).keySet());
        }
    }

    static byte[] store(Properties p, long when, String nl) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.store(out, COMMENT);
        String s = new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
        String[] lines = s.split(System.lineSeparator(), -1);
        lines[1] = "#" + new Date(when).toString();
        return String.join(nl, lines).getBytes(StandardCharsets.ISO_8859_1);
    }

    static Properties props(boolean sorted, String... kv) {
        Properties p = sorted ? new SortedProperties() : new Properties();
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    static byte[] hashes(String nl, String... kv) {
        TreeMap<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : m.entrySet()) {
            b.append(e.getKey()).append('\t').append(e.getValue()).append(nl);
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static void write(File f, byte[] data) throws IOException {
        f.getParentFile().mkdirs();
        try (FileOutputStream out = new FileOutputStream(f)) {
            out.write(data);
        }
    }

    public static void main(String[] args) throws Exception {
        TimeZone.setDefault(TimeZone.getTimeZone("Europe/Prague"));
        File testdata = new File(args[0]);

        // A destination deployed three times by RHQ. -3: RHQ before 4.9 (legacy
        // manage.root.dir, no compliance) on Linux; 1: filesAndDirectories on
        // Linux; 2: full, on Windows (CRLF), with an unknown key.
        File meta = new File(testdata, "rhq/dest/.rhqdeployments");
        byte[] legacy = store(props(false,
            "deployment.id", "-3",
            "bundle.name", "myapp",
            "bundle.version", "1.0",
            "bundle.description", "Initial release",
            "manage.root.dir", "false"), WHEN - 86400000L * 30, "\n");
        write(new File(meta, "-3/deployment.properties"), legacy);
        write(new File(meta, "-3/file-hashcodes.dat"), hashes("\n",
            "bin/start.sh", "3f786850e387550fdab836ed7e6dc881",
            "conf/app.conf", "d41d8cd98f00b204e9800998ecf8427e"));

        byte[] one = store(props(false,
            "deployment.id", "1",
            "bundle.name", "myapp",
            "bundle.version", "1.1",
            "bundle.description", "First upgrade",
            "bundle.destination.compliance", "filesAndDirectories"), WHEN - 86400000L * 7, "\n");
        write(new File(meta, "1/deployment.properties"), one);
        write(new File(meta, "1/previous-deployment.properties"), legacy);
        write(new File(meta, "1/file-hashcodes.dat"), hashes("\n",
            "bin/start.sh", "3f786850e387550fdab836ed7e6dc881",
            "conf/app.conf", "5d41402abc4b2a76b9719d911017c592",
            "lib/app.jar", "0cc175b9c0f1b6a831c399e269772661"));
        write(new File(meta, "1/backup/conf/app.conf"), "edited by hand\n".getBytes(StandardCharsets.UTF_8));

        byte[] two = store(props(false,
            "deployment.id", "2",
            "bundle.name", "myapp",
            "bundle.version", "2.0",
            "bundle.description", "Line one\nLine two: \u00fcn\u00efcode \u20ac",
            "bundle.destination.compliance", "full",
            "custom.note", "kept = as is"), WHEN, "\r\n");
        write(new File(meta, "2/deployment.properties"), two);
        write(new File(meta, "2/previous-deployment.properties"), one);
        write(new File(meta, "2/file-hashcodes.dat"), hashes("\r\n",
            "bin/start.sh", "3f786850e387550fdab836ed7e6dc881",
            "conf/app.conf", "5d41402abc4b2a76b9719d911017c592",
            "lib/app.jar", "92eb5ffee6ae2fec3ad71c777531578f",
            "docs/\uFF21.txt", "4a8a08f09d37b73795649038408b5f33",
            "docs/\uD83D\uDE00.txt", "8277e0910d750195b448797616e091ad",
            "C:/ext/hosts", "e1671797c52e15f763380b45e841ec32"));
        write(new File(meta, "2/backup/lib/app.jar"), "old jar\n".getBytes(StandardCharsets.UTF_8));
        write(new File(meta, "2/ext-backup/_C/ext/hosts"), "127.0.0.1 localhost\n".getBytes(StandardCharsets.UTF_8));
        write(new File(meta, "current-deployment.properties"), two);

        // Folders RHQ never creates: tolerated, never listed as deployments.
        write(new File(meta, "notes/readme.txt"), "operator notes\n".getBytes(StandardCharsets.UTF_8));
        write(new File(meta, "007/deployment.properties"), one);

        // What Properties.store writes in the sorted order of JDK 18 and later,
        // which EncodeProperties reproduces byte for byte.
        File enc = new File(testdata, "encode");
        write(new File(enc, "full.properties"), store(props(true,
            "deployment.id", "2",
            "bundle.name", "myapp",
            "bundle.version", "2.0",
            "bundle.description", "Line one\nLine two: \u00fcn\u00efcode \u20ac",
            "bundle.destination.compliance", "full",
            "custom.note", "kept = as is"), WHEN, "\n"));
        write(new File(enc, "minimal.properties"), store(props(true,
            "deployment.id", "-2147483648",
            "bundle.name", "",
            "bundle.version", " 1.0 #!:=\t\\",
            "bundle.destination.compliance", "filesAndDirectories"), WHEN, "\n"));
        write(new File(enc, "file-hashcodes.dat"), hashes("\n",
            "b", "92eb5ffee6ae2fec3ad71c777531578f",
            "a/b/c.txt", "0cc175b9c0f1b6a831c399e269772661",
            "a b/c", "?UNKNOWN_FILE_HASHCODE?",
            "a/\uFF21.txt", "4a8a08f09d37b73795649038408b5f33",
            "a/\uD83D\uDE00.txt", "8277e0910d750195b448797616e091ad",
            "a/\u00e9.txt", "e1671797c52e15f763380b45e841ec32",
            "A", "d41d8cd98f00b204e9800998ecf8427e",
            "/opt/ext/x", "3f786850e387550fdab836ed7e6dc881",
            "C:/ext/hosts", "5d41402abc4b2a76b9719d911017c592"));
    }
}
