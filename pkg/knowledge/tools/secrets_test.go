package tools

import "testing"

func TestSecretFiles(t *testing.T) {
	for _, c := range []struct {
		name, text string
		holds      bool
		readers    []string // tool names
	}{
		{".npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", true, []string{"npm", "yarn", "pnpm", "bun"}},
		{".npmrc", "legacy-peer-deps=true\n", false, nil},
		{".yarnrc", "\"//registry.npmjs.org/:_authToken\" \"abc\"\n", true, []string{"yarn"}},
		{".yarnrc.yml", "npmAuthToken: abc\n", true, []string{"yarn berry"}},
		{".yarnrc.yml", "nodeLinker: node-modules\n", false, nil},
		{"pip.conf", "[global]\nindex-url = https://u:p@pypi.example.com/simple\n", true, []string{"pip"}},
		{"pip.conf", "[global]\nindex-url = https://pypi.example.com/simple\n", false, nil},
		{".netrc", "machine x login a password b\n", true, []string{"pip", "uv", "go"}},
		{"auth.json", "{}", true, []string{"composer"}},
	} {
		f, installs, ok := SecretFileNamed(c.name)
		if !ok || !installs {
			t.Errorf("%s: not a credentials file installs read", c.name)
			continue
		}
		if got := f.Holds(c.text); got != c.holds {
			t.Errorf("%s %q: holds credentials = %v, want %v", c.name, c.text, got, c.holds)
		}
		if c.readers == nil {
			continue
		}
		readers, _ := SecretReaders(c.name)
		got := map[string]bool{}
		for _, r := range readers {
			got[r.Name] = true
		}
		for _, want := range c.readers {
			if !got[want] {
				t.Errorf("%s: %s does not read it", c.name, want)
			}
		}
	}
	if _, installs, ok := SecretFileNamed(".pypirc"); !ok || installs {
		t.Errorf(".pypirc: want a credentials file no install reads")
	}
}
