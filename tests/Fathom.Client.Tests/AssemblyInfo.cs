// The tests here start real `fathom` and silo processes and signal them; run side by side on 2 cores they starve each
// other's runs (an interrupt that should land mid-run arrives after the run finished), so they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
