package extract

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// State is what is known of one export job, persisted atomically as
// landing/<job_id>/state.json after every change, so that a run killed at
// any moment resumes the same job and downloads only what is missing.
//
// APIVersion is for people reading state.json: nothing reads it back, as
// APIURL holds the version and resuming compares that (see matches).
type State struct {
	ClientID    string            `json:"client_id"`
	APIURL      string            `json:"api_url"`
	APIVersion  string            `json:"api_version,omitempty"` // informational; absent in states of before v3
	FHIRVersion string            `json:"fhir_version"`
	Since       time.Time         `json:"since,omitzero"`
	Until       time.Time         `json:"until,omitzero"`
	TypeFilter  string            `json:"type_filter,omitempty"` // v3's service dates (Request.TypeFilter)
	Job         Job               `json:"job"`
	Manifest    *Manifest         `json:"manifest,omitempty"`
	Landed      map[string]Landed `json:"landed,omitempty"` // by file name: verified and on disk
	Loaded      bool              `json:"loaded,omitempty"` // every file loaded into the warehouse
	Failed      string            `json:"failed,omitempty"` // why the job cannot be resumed
	Updated     time.Time         `json:"updated"`
	dir         string
	mu          sync.Mutex // guards the fields and the file while workers and the loader land files
}

// StateFile is the state's name inside the job's landing folder.
const StateFile = "state.json"

// Dir is the job's landing folder.
func (s *State) Dir() string { return s.dir }

// matches reports whether the state is for the same export request: the
// same client, API URL (and so API version, which APIVersionOf takes from
// the URL: a run on another API version starts a new job, and APIVersion
// needs no check), _since, _until and _typeFilter.
func (s *State) matches(clientID, apiURL string, r Request) bool {
	return s.ClientID == clientID && s.APIURL == apiURL && s.Since.Equal(r.Since) && s.Until.Equal(r.Until) &&
		s.TypeFilter == r.TypeFilter()
}

// Save writes the state atomically: a temporary file, fsync, rename, then
// fsync of the folder. Files are 0600 and the folder 0700.
func (s *State) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.save()
}

func (s *State) save() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("landing: %w", err)
	}
	s.Updated = time.Now().UTC()
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, ".state-*.json")
	if err != nil {
		return fmt.Errorf("landing: %w", err)
	}
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Sync()
	}
	if err := errors.Join(werr, tmp.Close()); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("landing: save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.dir, StateFile)); err != nil {
		return fmt.Errorf("landing: save state: %w", err)
	}
	d, err := os.Open(s.dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// newState returns the state of a freshly started job.
func newState(landing string, c *Client, r Request, job Job) *State {
	return &State{
		ClientID: c.ClientID(), APIURL: c.api.String(), APIVersion: c.APIVersion(), FHIRVersion: c.FHIRVersion(),
		Since: r.Since, Until: r.Until, TypeFilter: r.TypeFilter(), Job: job, Landed: map[string]Landed{},
		dir: filepath.Join(landing, job.ID),
	}
}

// LoadStates reads every job state under the landing folder.
func LoadStates(landing string) ([]*State, error) {
	paths, err := filepath.Glob(filepath.Join(landing, "*", StateFile))
	if err != nil {
		return nil, err
	}
	var out []*State
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, err
		}
		var s State
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, fmt.Errorf("landing: %s is corrupt (%v); move it away to start over", p, err)
		}
		s.dir = filepath.Dir(p)
		if s.Landed == nil {
			s.Landed = map[string]Landed{}
		}
		out = append(out, &s)
	}
	return out, nil
}
