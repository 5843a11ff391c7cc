namespace Fathom.Grains;
