Console.WriteLine("fathom");
