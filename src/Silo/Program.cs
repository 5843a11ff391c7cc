Console.WriteLine("Fathom silo");
