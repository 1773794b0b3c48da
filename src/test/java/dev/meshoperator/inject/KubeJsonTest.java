package dev.meshoperator.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBase;
import com.fasterxml.jackson.databind.deser.DefaultDeserializationContext;
import com.fasterxml.jackson.databind.deser.SettableBeanProperty;
import com.fasterxml.jackson.module.blackbird.BlackbirdModule;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.model.jackson.SettableBeanPropertyDelegating;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * KubeJson's module order: Blackbird must see the model's properties before fabric8 wraps them.
 * Registered the other way round, every property of the model is set by reflection, which no
 * behavioural test notices (the JSON is the same); only the cost differs. So this test looks at the
 * deserializers Jackson builds, and checks itself against a mapper built in the wrong order.
 */
class KubeJsonTest {

  /** The classes the admission path and the operator read most. */
  @ParameterizedTest
  @ValueSource(classes = {ObjectMeta.class, Pod.class, PodSpec.class, Container.class, EnvVar.class,
      Deployment.class})
  void blackbirdSetsTheModelsPropertiesInsideFabric8sWrapper(Class<?> model) throws JsonMappingException {
    List<List<Class<?>>> chains = propertyChains(KubeJson.mapper(), model);

    assertThat(chains).isNotEmpty().allSatisfy(chain ->
        // fabric8's wrapper stays outermost: its any-setter fallback for unknown fields is kept.
        assertThat(chain.get(0)).isEqualTo(SettableBeanPropertyDelegating.class));
    assertThat(chains).filteredOn(KubeJsonTest::blackbirdInside)
        .as("properties of %s set through Blackbird", model.getSimpleName())
        .hasSizeGreaterThanOrEqualTo(chains.size() / 2 + 1);
  }

  /** Positive control: the order KubeJson had before leaves every property to reflection. */
  @ParameterizedTest
  @ValueSource(classes = {ObjectMeta.class, Container.class})
  void blackbirdRegisteredBeforeFabric8IsBypassed(Class<?> model) throws JsonMappingException {
    ObjectMapper wrongOrder = new ObjectMapper();
    wrongOrder.registerModule(new BlackbirdModule());
    new KubernetesSerialization(wrongOrder, true);

    List<List<Class<?>>> chains = propertyChains(wrongOrder, model);

    assertThat(chains).isNotEmpty().noneMatch(KubeJsonTest::blackbirdInside);
  }

  private static boolean blackbirdInside(List<Class<?>> chain) {
    return chain.stream().anyMatch(c -> c.getName().startsWith("com.fasterxml.jackson.module.blackbird."));
  }

  /** For each property of the model's deserializer: its class, then each delegate's, outermost first. */
  private static List<List<Class<?>>> propertyChains(ObjectMapper mapper, Class<?> model) throws JsonMappingException {
    DeserializationContext context = ((DefaultDeserializationContext) mapper.getDeserializationContext())
        .createInstance(mapper.getDeserializationConfig(), null, null);
    JsonDeserializer<Object> deserializer = context.findRootValueDeserializer(mapper.constructType(model));
    assertThat(deserializer).isInstanceOf(BeanDeserializerBase.class);
    List<List<Class<?>>> chains = new ArrayList<>();
    for (Iterator<SettableBeanProperty> it = ((BeanDeserializerBase) deserializer).properties(); it.hasNext(); ) {
      List<Class<?>> chain = new ArrayList<>();
      SettableBeanProperty property = it.next();
      chain.add(property.getClass());
      while (property instanceof SettableBeanProperty.Delegating delegating) {
        property = delegating.getDelegate();
        chain.add(property.getClass());
      }
      chains.add(chain);
    }
    return chains;
  }
}
