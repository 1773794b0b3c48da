package dev.meshoperator.packaging;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packages a compiled class refers to, read from its constant pool: class entries and the
 * field, method and generic signatures (which name types only the compiler saw, such as a
 * parameter type never instantiated). Enough to check which way imports go without a library.
 */
final class ClassReferences {
  private static final Pattern TYPE = Pattern.compile("L?([a-zA-Z_$][\\w$]*(?:/[\\w$]+)+)[;<]?");

  private ClassReferences() {
  }

  /** Internal package names ("io/fabric8/kubeapitest") the class in {@code in} refers to. */
  static Set<String> packages(InputStream in) throws IOException {
    Set<String> packages = new TreeSet<>();
    var data = new DataInputStream(in);
    if (data.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    data.readUnsignedShort(); // minor
    data.readUnsignedShort(); // major
    int count = data.readUnsignedShort();
    for (int i = 1; i < count; i++) {
      int tag = data.readUnsignedByte();
      switch (tag) {
        case 1 -> addTypes(data.readUTF(), packages); // Utf8: names and descriptors
        case 3, 4 -> data.readInt();
        case 5, 6 -> {
          data.readLong();
          i++; // long and double take two slots
        }
        case 7, 8, 16, 19, 20 -> data.readUnsignedShort();
        case 9, 10, 11, 12, 17, 18 -> data.readInt();
        case 15 -> {
          data.readUnsignedByte();
          data.readUnsignedShort();
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    return packages;
  }

  private static void addTypes(String utf8, Set<String> packages) {
    Matcher m = TYPE.matcher(utf8);
    while (m.find()) {
      String name = m.group(1);
      int slash = name.lastIndexOf('/');
      packages.add(name.substring(0, slash));
    }
  }
}
