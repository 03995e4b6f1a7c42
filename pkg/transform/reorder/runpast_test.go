package reorder

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reorderOnly runs the rule alone on a stage `WORKDIR /app`, `COPY . .`
// followed by the RUN bodies given, and tells which bodies moved above
// the COPY (their text is found before it).
func reorderOnly(t *testing.T, bodies ...string) string {
	src := "FROM debian\nWORKDIR /app\nCOPY . .\n"
	for _, b := range bodies {
		src += "RUN " + b + "\n"
	}
	res, err := (&transform.Chain{Transforms: []*transform.Transform{Rule}}).Run("Dockerfile", []byte(src), nil)
	require.NoError(t, err)
	return string(res.Out)
}

// TestPastStayingRun: a step crosses a RUN that stays only when that
// RUN's files are known and apart from everything the step touches or
// its commands may write.
func TestPastStayingRun(t *testing.T) {
	for _, tc := range []struct {
		stays, step string
		want        bool
	}{
		{"chmod +x /app/run.sh", "apt-get update && apt-get install -y curl", true},
		{"mkdir -p /app/logs && touch /app/logs/x", "curl -fsSLo /usr/local/bin/t https://example.com/t", true},
		{"chmod +x /app/run.sh", "mkdir -p /opt/data", true},
		{"./configure", "apt-get install -y curl", false},
		{"make", "mkdir -p /opt/data", false},
		{"pip install -r requirements.txt", "apt-get install -y libpq-dev", false},
		{"chown -R app /app", "apt-get install -y nginx", false},        // a package may add users
		{"chown -R app /app", "mkdir -p /opt/data", true},               // mkdir writes what it names
		{"ln -s /app/bin/t /usr/local/bin/t", "mkdir -p /opt/x", false}, // a program on the PATH
		{"cp /app/x.conf /opt/x.conf", "cat /opt/x.conf", false},        // reads what it writes
		{"cat /app/VERSION > /opt/version", "rm -f /opt/version", false},
		{"echo $(cat /app/VERSION) > $DEST", "mkdir -p /opt/x", false}, // a path it cannot resolve
		{"cd /app && chmod +x run.sh", "apt-get install -y curl", true},
	} {
		out := reorderOnly(t, tc.stays, tc.step)
		moved := out != reorderOnlyInput(tc.stays, tc.step)
		assert.Equal(t, tc.want, moved, "%s | %s:\n%s", tc.stays, tc.step, out)
	}
}

func reorderOnlyInput(bodies ...string) string {
	src := "FROM debian\nWORKDIR /app\nCOPY . .\n"
	for _, b := range bodies {
		src += "RUN " + b + "\n"
	}
	return src
}

// TestSplit: the first part of a RUN moves when it does work of its own,
// may move, and the split is proven; the rest stays.
func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		body, want string // want: the RUN above the COPY ("" when none)
	}{
		{"apt-get install -y gcc && pip install .", "apt-get install -y gcc"},
		{"apt-get install -y gcc && pip install flask && pip install .", "apt-get install -y gcc && pip install flask"},
		{"apt-get install -y gcc; pip install .", ""},                  // the rest runs when the first part fails
		{"cd /app/sub && apt-get install -y gcc && pip install .", ""}, // cd crosses
		{"export A=1 && apt-get install -y gcc && pip install .", ""},
		{"apt-get update && apt-get install -y gcc && pip install . && rm -rf /var/lib/apt/lists/*", ""},
		{"mkdir -p /opt/x && pip install .", ""}, // nothing worth a layer
		{"apt-get install -y gcc && apt-get install -y ./local.deb", ""},
		{"{ apt-get install -y gcc; } && pip install .", "{ apt-get install -y gcc; }"},
		{"apt-get install -y gcc && \\\n    # a comment\n    pip install .", ""}, // it would be lost
	} {
		out := reorderOnly(t, tc.body)
		want := reorderOnlyInput(tc.body)
		if tc.want != "" {
			rest := tc.body[len(tc.want)+len(" && "):]
			want = "FROM debian\nWORKDIR /app\nRUN " + tc.want + "\nCOPY . .\nRUN " + rest + "\n"
		}
		assert.Equal(t, want, out, tc.body)
	}
}
