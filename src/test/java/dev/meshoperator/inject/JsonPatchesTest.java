package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonPatchesTest {

  private static final ObjectMapper M = new ObjectMapper();

  private static JsonNode json(String s) {
    try {
      return M.readTree(s.replace('\'', '"'));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static void assertPatch(String before, String after, String expectedPatch) {
    ArrayNode patch = JsonPatches.diff(json(before), json(after));
    assertThat(patch).isEqualTo(json(expectedPatch));
    assertThat(JsonPatches.apply(json(before), patch)).isEqualTo(json(after));
  }

  @Test
  void equalDocumentsGiveAnEmptyPatch() {
    assertPatch("{'a':[1,{'b':2}]}", "{'a':[1,{'b':2}]}", "[]");
  }

  @Test
  void keysWithSlashAndTildeAreEscaped() {
    assertPatch("{'metadata':{'annotations':{'x~y':'1'}}}",
        "{'metadata':{'annotations':{'sidecar.istio.io/status':'s'}}}",
        "[{'op':'remove','path':'/metadata/annotations/x~0y'},"
            + "{'op':'add','path':'/metadata/annotations/sidecar.istio.io~1status','value':'s'}]");
  }

  @Test
  void escapeOrderMatters() {
    assertThat(JsonPatches.escape("~/")).isEqualTo("~0~1");
    assertThat(JsonPatches.unescape("~01")).isEqualTo("~1");
  }

  @Test
  void scalarChangeIsAReplace() {
    assertPatch("{'a':1}", "{'a':'1'}", "[{'op':'replace','path':'/a','value':'1'}]");
  }

  @Test
  void insertAtTheFrontIsOneAdd() {
    assertPatch("{'c':[{'n':'a'},{'n':'b'}]}", "{'c':[{'n':'x'},{'n':'a'},{'n':'b'}]}",
        "[{'op':'add','path':'/c/0','value':{'n':'x'}}]");
  }

  @Test
  void appendIsOneAddAtTheEnd() {
    assertPatch("{'c':[1,2]}", "{'c':[1,2,3,4]}",
        "[{'op':'add','path':'/c/2','value':3},{'op':'add','path':'/c/3','value':4}]");
  }

  @Test
  void removalsFromTheMiddleKeepIndicesValid() {
    assertPatch("[1,2,3,4,5]", "[1,5]",
        "[{'op':'remove','path':'/1'},{'op':'remove','path':'/1'},{'op':'remove','path':'/1'}]");
  }

  @Test
  void changedElementsAreDiffedInPlace() {
    assertPatch("[{'a':1},{'a':2}]", "[{'a':1},{'a':3}]", "[{'op':'replace','path':'/1/a','value':3}]");
  }

  @Test
  void rootTypeChangeReplacesTheRoot() {
    assertPatch("{'a':1}", "[1]", "[{'op':'replace','path':'','value':[1]}]");
  }

  @Test
  void fieldAddedToAMissingObject() {
    assertPatch("{'spec':{}}", "{'spec':{'initContainers':[{'name':'istio-init'}]}}",
        "[{'op':'add','path':'/spec/initContainers','value':[{'name':'istio-init'}]}]");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{'a':1}|[{'op':'remove','path':'/b'}]|no such path /b",
      "[1]|[{'op':'add','path':'/5','value':1}]|array index out of range in /5",
      "{'a':1}|[{'op':'move','path':'/a','from':'/b'}]|unsupported op move",
      "{'a':1}|[{'op':'remove','path':''}]|cannot remove the root"})
  void applyRefusesWhatItCannotDo(String doc, String patch, String message) {
    assertThatThrownBy(() -> JsonPatches.apply(json(doc), (ArrayNode) json(patch)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void randomArraysRoundTrip() {
    Random random = new Random(42);
    for (int i = 0; i < 500; i++) {
      ArrayNode a = randomArray(random);
      ArrayNode b = randomArray(random);
      ArrayNode patch = JsonPatches.diff(a, b);
      assertThat(JsonPatches.apply(a, patch)).as("%s -> %s via %s", a, b, patch).isEqualTo(b);
    }
  }

  private static ArrayNode randomArray(Random random) {
    ArrayNode a = M.createArrayNode();
    int n = random.nextInt(6);
    for (int i = 0; i < n; i++) {
      if (random.nextBoolean()) {
        a.add(random.nextInt(3));
      } else {
        a.addObject().put("k", random.nextInt(3));
      }
    }
    return a;
  }
}
