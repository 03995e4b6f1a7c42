package multistage

import "github.com/dfopt/dfopt/pkg/knowledge/tools"

// msCargo is what the multi-stage rule needs from Cargo.toml.
type msCargo struct {
	name      string
	bins      []string
	autobins  bool
	workspace bool
}

// msParseCargo reads what dfopt needs from Cargo.toml: the package name,
// [[bin]] names, autobins and [workspace]. name is the file's name in
// the error.
func msParseCargo(name string, data []byte) (msCargo, error) {
	var m tools.CargoManifest
	if err := tools.DecodeTOML(name, data, &m); err != nil {
		return msCargo{}, err
	}
	ct := msCargo{autobins: true, workspace: m.Workspace != nil}
	if m.Package != nil {
		ct.name = m.Package.Name
		if m.Package.Autobins != nil {
			ct.autobins = *m.Package.Autobins
		}
	}
	for _, b := range m.Bin {
		ct.bins = append(ct.bins, b.Name)
	}
	return ct, nil
}

// cargoLockCrates lists the crate names in Cargo.lock.
func cargoLockCrates(data []byte) ([]string, error) {
	var lock struct {
		Package []struct {
			Name string `toml:"name"`
		} `toml:"package"`
	}
	if err := tools.DecodeTOML("Cargo.lock", data, &lock); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range lock.Package {
		out = append(out, p.Name)
	}
	return out, nil
}
