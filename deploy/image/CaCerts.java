import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Writes the JRE's trust store (/etc/ssl/certs/java/cacerts) from Debian's Mozilla CA bundle, as
 * ca-certificates-java does at install time. Usage: java CaCerts.java CERT_DIR OUT_FILE
 *
 * The JKS file is written here byte by byte rather than by KeyStore.store, which stamps every entry with
 * the current time: with a fixed time and sorted aliases the same bundle always gives the same file, so
 * the base layer's digest depends only on the packages. The result is read back with KeyStore as a check.
 */
public class CaCerts {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path out = Path.of(args[1]);
        char[] password = "changeit".toCharArray();
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        TreeMap<String, Certificate> certs = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.crt")) {
            for (Path file : files) {
                try (InputStream in = Files.newInputStream(file)) {
                    String name = file.getFileName().toString().replace(".crt", "").toLowerCase(Locale.ROOT);
                    int i = 0;
                    for (Certificate cert : x509.generateCertificates(in)) {
                        certs.put(i++ == 0 ? name + " [debian]" : name + " [debian-" + i + "]", cert);
                    }
                }
            }
        }
        if (certs.size() < 50) {
            throw new IllegalStateException("only " + certs.size() + " certificates under " + dir);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(body);
        data.writeInt(0xFEEDFEED); // JKS magic
        data.writeInt(2);          // version
        data.writeInt(certs.size());
        for (var entry : certs.entrySet()) {
            data.writeInt(2);      // trusted certificate entry
            data.writeUTF(entry.getKey());
            data.writeLong(0L);    // creation date: the epoch, for a reproducible file
            data.writeUTF(entry.getValue().getType());
            byte[] encoded = entry.getValue().getEncoded();
            data.writeInt(encoded.length);
            data.write(encoded);
        }
        data.flush();
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        for (char c : password) {
            sha1.update((byte) (c >> 8));
            sha1.update((byte) c);
        }
        sha1.update("Mighty Aphrodite".getBytes(StandardCharsets.UTF_8));
        sha1.update(body.toByteArray());
        data.write(sha1.digest());
        data.flush();
        Files.write(out, body.toByteArray());

        KeyStore check = KeyStore.getInstance("JKS");
        try (InputStream in = Files.newInputStream(out)) {
            check.load(in, password);
        }
        if (check.size() != certs.size()) {
            throw new IllegalStateException("wrote " + certs.size() + " certificates, read back " + check.size());
        }
        System.out.println("cacerts: " + certs.size() + " certificates");
    }
}
