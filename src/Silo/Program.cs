using Fathom.Silo;

// A Fathom silo. Mode and ports come from the environment (see FathomSiloOptions): FATHOM_MODE=local|redis|kubernetes.
var builder = WebApplication.CreateBuilder(args);
var options = FathomSiloOptions.FromConfiguration(builder.Configuration);
var stores = builder.AddFathomSilo(options);
builder.WebHost.UseUrls(options.HealthPort == 0 ? "http://127.0.0.1:0" : $"http://0.0.0.0:{options.HealthPort}");

var app = builder.Build();
app.MapFathomHealth();
app.Logger.LogInformation("Fathom silo starting in {Mode} mode; stores: {Stores}", options.Mode, stores);
await app.RunAsync();
