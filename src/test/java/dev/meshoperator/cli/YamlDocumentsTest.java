package dev.meshoperator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class YamlDocumentsTest {

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "a: 1\n",
      "a: 1",
      "---\na: 1\n---\nb: 2\n",
      "# head\na: 1\n---   # marker comment\nb: 2\n...\n",
      "a: 1\r\n---\r\nb: 2\r\n",
      "---\n---\n\n---\na: |\n  ---\n  x\n",
      "a: 1\n---",
  })
  void joiningTheDocumentsGivesBackTheExactText(String text) {
    assertThat(YamlDocuments.parse(text).text()).isEqualTo(text);
  }

  @Test
  void splitsOnlyOnColumnZeroMarkers() {
    YamlDocuments docs = YamlDocuments.parse("a: |\n  ---\n---\nb: 2\n--- x\n---x: 1\n");

    assertThat(docs.documents()).extracting(YamlDocuments.Document::body)
        .containsExactly("a: |\n  ---\n", "b: 2\n", "---x: 1\n");
  }

  @Test
  void emptyDocumentsAreRecognised() {
    YamlDocuments docs = YamlDocuments.parse("# only a comment\n\n---\na: 1\n");

    assertThat(docs.documents().get(0).isEmpty()).isTrue();
    assertThat(docs.documents().get(1).isEmpty()).isFalse();
  }

  @Test
  void replacedDocumentKeepsItsLeadingComments() {
    YamlDocuments.Document doc = YamlDocuments.parse("---\n# about a\n\na: 1\n").documents().get(0);

    assertThat(doc.withBody("a: 2").text()).isEqualTo("---\n# about a\n\na: 2\n");
  }
}
