// RHQReader reads files the way RHQ reads them, for the oracle test of package
// metadata (go test -tags oracle): "props" files as DeploymentProperties
// .loadFromFile does (Properties.load from an InputStream, a missing
// compliance set to "full", then validation), "hashes" files as
// FileHashcodeMap.loadFromFile does (readLine, split at TAB, exactly two
// fields), the latter then stored again through a TreeMap as storeToFile
// writes it. For each file it prints one line: "ERR" and the message, or
// "OK" and the result as hex of its UTF-8 bytes.
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

public class RHQReader {
    enum Compliance { full, filesAndDirectories }

    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
            b.append(String.format("%02x", c));
        }
        return b.toString();
    }

    static String props(String file) throws Exception {
        Properties p = new Properties();
        try (FileInputStream in = new FileInputStream(file)) {
            p.load(in);
        }
        if (p.get("bundle.destination.compliance") == null) {
            p.setProperty("bundle.destination.compliance", "full");
        }
        try {
            String id = p.getProperty("deployment.id");
            if (id == null) throw new IllegalStateException("There is no deployment ID");
            try {
                Integer.parseInt(id);
            } catch (Exception e) {
                throw new IllegalStateException("Invalid deployment ID: " + id);
            }
            if (p.getProperty("bundle.name") == null) throw new IllegalStateException("There is no bundle name");
            if (p.getProperty("bundle.version") == null) throw new IllegalStateException("There is no bundle version");
            Enum.valueOf(Compliance.class, p.getProperty("bundle.destination.compliance"));
        } catch (Exception e) {
            throw new Exception("Deployment properties are invalid: " + e.getMessage());
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<Object, Object> e : new TreeMap<>(p).entrySet()) {
            b.append(' ').append(hex((String) e.getKey())).append('=').append(hex((String) e.getValue()));
        }
        return b.toString();
    }

    static String hashes(String file) throws Exception {
        TreeMap<String, String> m = new TreeMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new FileInputStream(file), StandardCharsets.UTF_8))) {
            int n = 1;
            for (String line = r.readLine(); line != null; line = r.readLine(), n++) {
                String[] c = line.split("\t");
                if (c.length != 2) {
                    throw new Exception("Format error in [" + file + "] at line #[" + n + "]: " + line);
                }
                m.put(c[0], c[1]);
            }
        }
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : m.entrySet()) {
            b.append(e.getKey()).append('\t').append(e.getValue()).append('\n');
        }
        return " " + hex(b.toString());
    }

    public static void main(String[] args) {
        for (int i = 1; i < args.length; i++) {
            try {
                System.out.println("OK" + (args[0].equals("props") ? props(args[i]) : hashes(args[i])));
            } catch (Exception e) {
                System.out.println("ERR " + e.getMessage().replace('\n', ' '));
            }
        }
    }
}
