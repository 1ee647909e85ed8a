package metadata

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/internal/javaprops"
)

// The keys of a deployment properties file (R21).
const (
	KeyID            = "deployment.id"
	KeyBundleName    = "bundle.name"
	KeyBundleVersion = "bundle.version"
	KeyDescription   = "bundle.description"
	KeyCompliance    = "bundle.destination.compliance"
	// KeyManageRootDir is the boolean that RHQ before 4.9 wrote instead of
	// KeyCompliance. It is only read (R24); it lives in Properties.Extra.
	KeyManageRootDir = "manage.root.dir"
)

// header is the comment RHQ's DeploymentProperties.saveToFile gives
// Properties.store (R20).
const header = "This file is auto-generated - DO NOT MODIFY!!!"

// Compliance is a deployment's destination compliance mode (R9), spelled as
// RHQ's DestinationComplianceMode enum constants, case included. The values
// are those of recipe.Compliance.
type Compliance string

// The compliance modes.
const (
	// Full: the deployment manages everything in the destination.
	Full Compliance = "full"
	// FilesAndDirectories: unknown top-level entries are left alone.
	FilesAndDirectories Compliance = "filesAndDirectories"
)

// The reasons an *InvalidPropertiesError gives (R22). They keep RHQ's texts,
// capitals included, so that messages match what operators know from RHQ.
var (
	//lint:ignore ST1005 RHQ's text, capitalised as operators know it (R22)
	ErrNoID = errors.New("There is no deployment ID")
	//lint:ignore ST1005 RHQ's text, capitalised as operators know it (R22)
	ErrInvalidID = errors.New("Invalid deployment ID")
	//lint:ignore ST1005 RHQ's text, capitalised as operators know it (R22)
	ErrNoBundleName = errors.New("There is no bundle name")
	//lint:ignore ST1005 RHQ's text, capitalised as operators know it (R22)
	ErrNoBundleVersion = errors.New("There is no bundle version")
	//lint:ignore ST1005 RHQ's text, capitalised as operators know it (R22)
	ErrNoCompliance = errors.New("Destination compliance not specified")
	// ErrInvalidCompliance is a compliance that is neither "full" nor
	// "filesAndDirectories"; the text is that of Java's Enum.valueOf.
	//
	//lint:ignore ST1005 the text of Java's Enum.valueOf, as RHQ reports it (R22)
	ErrInvalidCompliance = errors.New("No enum constant org.rhq.core.util.updater.DestinationComplianceMode")
)

// InvalidPropertiesError reports deployment properties that RHQ refuses to
// load or save (R22). Err is ErrNoID, ErrInvalidID, ErrNoBundleName,
// ErrNoBundleVersion, ErrNoCompliance or ErrInvalidCompliance, the invalid
// ones wrapped with the offending value.
type InvalidPropertiesError struct {
	Err error
}

func (e *InvalidPropertiesError) Error() string {
	return "Deployment properties are invalid: " + e.Err.Error()
}

func (e *InvalidPropertiesError) Unwrap() error { return e.Err }

// Properties are one deployment's properties (R3, R21): the contents of
// deployment.properties, previous-deployment.properties and
// current-deployment.properties.
//
// Two Properties are equal when the key/value maps they stand for are equal
// (R25); use Equal, not ==.
type Properties struct {
	// ID names the deployment's folder (R2, R15).
	ID int32
	// BundleName and BundleVersion may be empty, but a file must have them.
	BundleName    string
	BundleVersion string
	// Description is optional. HasDescription tells an absent description
	// (RHQ's null) from an empty one; a non-empty Description is present
	// whatever HasDescription says.
	Description    string
	HasDescription bool
	// Compliance is required to encode. Decoding a file without it gives
	// Full (R24).
	Compliance Compliance
	// Extra holds every other key of a decoded file, KeyManageRootDir
	// included (R35). Encoding writes them back, as Java's Properties
	// would; they must not repeat one of the fields' keys.
	Extra map[string]string
}

// Map returns the properties as the key/value map Java holds: the fields'
// keys plus Extra. An absent description or compliance has no key.
func (p Properties) Map() map[string]string {
	m := make(map[string]string, len(p.Extra)+5)
	maps.Copy(m, p.Extra)
	m[KeyID] = strconv.Itoa(int(p.ID))
	m[KeyBundleName] = p.BundleName
	m[KeyBundleVersion] = p.BundleVersion
	if p.HasDescription || p.Description != "" {
		m[KeyDescription] = p.Description
	} else {
		delete(m, KeyDescription)
	}
	if p.Compliance != "" {
		m[KeyCompliance] = string(p.Compliance)
	} else {
		delete(m, KeyCompliance)
	}
	return m
}

// Equal reports whether p and q stand for the same key/value map (R25).
func (p Properties) Equal(q Properties) bool {
	return maps.Equal(p.Map(), q.Map())
}

// ManageRootDir is RHQ's deprecated getManageRootDir (R24): Compliance == Full
// when Compliance is set; otherwise the legacy KeyManageRootDir of Extra,
// parsed as Java's Boolean.parseBoolean; true when that is absent too.
// Decoded Properties always have a Compliance, so for them this is
// Compliance == Full: a legacy file with manage.root.dir=false but no
// compliance decodes as Full, and ManageRootDir reports true.
func (p Properties) ManageRootDir() bool {
	if p.Compliance != "" {
		return p.Compliance == Full
	}
	v, ok := p.Extra[KeyManageRootDir]
	return !ok || strings.EqualFold(v, "true")
}

// DecodeProperties reads a deployment properties file as RHQ's
// DeploymentProperties.loadFromFile does: the Java properties syntax in
// ISO-8859-1 (R20), then a missing compliance set to Full before anything
// else looks at the file (R24), then validation (R22). An invalid file gives
// an *InvalidPropertiesError; malformed syntax a *javaprops.SyntaxError.
func DecodeProperties(r io.Reader) (Properties, error) {
	jp, err := javaprops.Decode(r, javaprops.Latin1)
	if err != nil {
		return Properties{}, fmt.Errorf("decode deployment properties: %w", err)
	}
	m := jp.Map()
	if _, ok := m[KeyCompliance]; !ok {
		m[KeyCompliance] = string(Full)
	}
	return fromMap(m)
}

// fromMap validates m, which has a compliance, in the order of RHQ's
// validate(): id, name, version, compliance; the first failure is reported.
func fromMap(m map[string]string) (Properties, error) {
	var p Properties
	idText, ok := m[KeyID]
	if !ok {
		return Properties{}, &InvalidPropertiesError{ErrNoID}
	}
	id, err := strconv.ParseInt(idText, 10, 32)
	if err != nil {
		return Properties{}, &InvalidPropertiesError{fmt.Errorf("%w: %s", ErrInvalidID, idText)}
	}
	p.ID = int32(id)
	if p.BundleName, ok = m[KeyBundleName]; !ok {
		return Properties{}, &InvalidPropertiesError{ErrNoBundleName}
	}
	if p.BundleVersion, ok = m[KeyBundleVersion]; !ok {
		return Properties{}, &InvalidPropertiesError{ErrNoBundleVersion}
	}
	p.Description, p.HasDescription = m[KeyDescription]
	p.Compliance = Compliance(m[KeyCompliance])
	if err := p.Compliance.valid(); err != nil {
		return Properties{}, err
	}
	for k, v := range m {
		if !reserved(k) {
			if p.Extra == nil {
				p.Extra = make(map[string]string)
			}
			p.Extra[k] = v
		}
	}
	return p, nil
}

// valid checks a compliance that is present: an empty value is invalid,
// as Enum.valueOf("") is.
func (c Compliance) valid() error {
	if c == Full || c == FilesAndDirectories {
		return nil
	}
	return &InvalidPropertiesError{fmt.Errorf("%w.%s", ErrInvalidCompliance, string(c))}
}

func reserved(key string) bool {
	switch key {
	case KeyID, KeyBundleName, KeyBundleVersion, KeyDescription, KeyCompliance:
		return true
	}
	return false
}

// EncodeProperties returns p as RHQ's DeploymentProperties.saveToFile writes
// it (R20): Java's Properties.store output with the comment
// "#This file is auto-generated - DO NOT MODIFY!!!", the "#" + Date.toString
// line of now (in now's location), then key=value lines. Invalid properties
// (no or an unknown Compliance, an Extra key that is one of the fields' keys,
// invalid UTF-8) give an error and no bytes (R23).
func EncodeProperties(p Properties, now time.Time) ([]byte, error) {
	if p.Compliance == "" {
		return nil, &InvalidPropertiesError{ErrNoCompliance}
	}
	if err := p.Compliance.valid(); err != nil {
		return nil, err
	}
	for k := range p.Extra {
		if reserved(k) {
			return nil, fmt.Errorf("encode deployment properties: Extra holds %q, which is a field of Properties", k)
		}
	}
	var b bytes.Buffer
	if err := javaprops.Store(&b, p.Map(), now, javaprops.StoreOptions{Comments: header}); err != nil {
		return nil, fmt.Errorf("encode deployment properties: %w", err)
	}
	return b.Bytes(), nil
}
