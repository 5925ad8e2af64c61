package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	meshv1alpha1 "istio.io/api/mesh/v1alpha1"
	networkingv1alpha3 "istio.io/api/networking/v1alpha3"
	securityv1beta1 "istio.io/api/security/v1beta1"
	"sigs.k8s.io/yaml"
)

type k8sObject struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   map[string]any    `json:"metadata"`
	Spec       json.RawMessage   `json:"spec"`
	Data       map[string]string `json:"data"`
}

// runValidateIstio reads Kubernetes YAML documents and checks, with Istio's own API types
// (protojson, unknown fields refused): every AuthorizationPolicy, and the mesh configuration in
// the `istio` ConfigMap (data.mesh), and ServiceEntries. A CUSTOM policy must name a provider the mesh defines as
// envoyExtAuthzGrpc or envoyExtAuthzHttp, with a service, a port, and failOpen off.
func runValidateIstio(files []string) error {
	if len(files) == 0 {
		return fmt.Errorf("usage: extauthz validate-istio <file.yaml>...")
	}
	policies, providers, hosts, err := readIstio(files)
	if err != nil {
		return err
	}
	if len(policies) == 0 {
		return fmt.Errorf("no AuthorizationPolicy found")
	}
	for name, p := range providers {
		if g := p.GetEnvoyExtAuthzGrpc(); g != nil {
			if g.GetService() == "" || g.GetPort() == 0 || g.GetPort() > 65535 || g.GetFailOpen() {
				return fmt.Errorf("extension provider %q: envoyExtAuthzGrpc needs a service, a port and failOpen off", name)
			}
		} else if h := p.GetEnvoyExtAuthzHttp(); h != nil {
			if h.GetService() == "" || h.GetPort() == 0 || h.GetPort() > 65535 || h.GetFailOpen() || !strings.HasPrefix(h.GetPathPrefix(), "/") {
				return fmt.Errorf("extension provider %q: envoyExtAuthzHttp needs a service, a port, a pathPrefix and failOpen off", name)
			}
		} else {
			return fmt.Errorf("extension provider %q is neither envoyExtAuthzGrpc nor envoyExtAuthzHttp", name)
		}
	}
	for name, p := range providers {
		service := p.GetEnvoyExtAuthzGrpc().GetService() + p.GetEnvoyExtAuthzHttp().GetService()
		if strings.HasSuffix(service, ".local") && !hosts[service] {
			return fmt.Errorf("extension provider %q names service %q, which no ServiceEntry defines", name, service)
		}
	}
	for _, p := range policies {
		if p.GetAction() != securityv1beta1.AuthorizationPolicy_CUSTOM {
			continue
		}
		name := p.GetProvider().GetName()
		if _, ok := providers[name]; !ok {
			return fmt.Errorf("a CUSTOM AuthorizationPolicy names provider %q, which no mesh extensionProviders entry defines", name)
		}
		if len(p.GetRules()) == 0 {
			return fmt.Errorf("the CUSTOM AuthorizationPolicy for provider %q has no rules (it would match nothing)", name)
		}
	}
	fmt.Printf("valid Istio configuration: %d AuthorizationPolicy, extension providers %v\n", len(policies), keys(providers))
	return nil
}

// readIstio parses the Kubernetes documents of files: AuthorizationPolicies, the mesh's extension
// providers (ConfigMap data.mesh) and the hosts ServiceEntries define.
func readIstio(files []string) ([]*securityv1beta1.AuthorizationPolicy, map[string]*meshv1alpha1.MeshConfig_ExtensionProvider, map[string]bool, error) {
	var policies []*securityv1beta1.AuthorizationPolicy
	providers := map[string]*meshv1alpha1.MeshConfig_ExtensionProvider{}
	hosts := map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, nil, err
		}
		for i, doc := range bytes.Split(raw, []byte("\n---")) {
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			var o k8sObject
			if err := yaml.UnmarshalStrict(doc, &o); err != nil {
				return nil, nil, nil, fmt.Errorf("%s document %d: %w", f, i+1, err)
			}
			switch {
			case o.Kind == "AuthorizationPolicy" && strings.HasPrefix(o.APIVersion, "security.istio.io/"):
				var p securityv1beta1.AuthorizationPolicy
				if err := protojson.Unmarshal(o.Spec, &p); err != nil {
					return nil, nil, nil, fmt.Errorf("%s document %d: not an Istio AuthorizationPolicy spec: %w", f, i+1, err)
				}
				policies = append(policies, &p)
			case o.Kind == "ServiceEntry" && strings.HasPrefix(o.APIVersion, "networking.istio.io/"):
				var e networkingv1alpha3.ServiceEntry
				if err := protojson.Unmarshal(o.Spec, &e); err != nil {
					return nil, nil, nil, fmt.Errorf("%s document %d: not an Istio ServiceEntry spec: %w", f, i+1, err)
				}
				for _, h := range e.GetHosts() {
					hosts[h] = true
				}
			case o.Kind == "ConfigMap" && o.Data["mesh"] != "":
				j, err := yaml.YAMLToJSON([]byte(o.Data["mesh"]))
				if err != nil {
					return nil, nil, nil, fmt.Errorf("%s document %d: data.mesh: %w", f, i+1, err)
				}
				var m meshv1alpha1.MeshConfig
				if err := protojson.Unmarshal(j, &m); err != nil {
					return nil, nil, nil, fmt.Errorf("%s document %d: data.mesh is not an Istio MeshConfig: %w", f, i+1, err)
				}
				for _, p := range m.GetExtensionProviders() {
					providers[p.GetName()] = p
				}
			default:
				return nil, nil, nil, fmt.Errorf("%s document %d: unexpected %s %s", f, i+1, o.APIVersion, o.Kind)
			}
		}
	}
	return policies, providers, hosts, nil
}

func keys(m map[string]*meshv1alpha1.MeshConfig_ExtensionProvider) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
