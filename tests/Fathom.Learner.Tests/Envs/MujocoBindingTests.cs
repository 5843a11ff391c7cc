using System.Globalization;
using Fathom.Learner.Envs.Mujoco;

namespace Fathom.Learner.Tests.Envs;

/// <summary>The MuJoCo binding: loading, sizes, names, stepping, and the struct offsets checked against MuJoCo's own printout.</summary>
public class MujocoBindingTests
{
    // A ball on a free joint with one hinged arm and a motor: nq 7 + 1, nv 6 + 1, nu 1, bodies world + 2.
    private const string Xml = """
        <mujoco>
          <option timestep="0.004"/>
          <worldbody>
            <geom type="plane" size="5 5 1"/>
            <body name="ball" pos="0.3 -0.2 1">
              <freejoint/>
              <geom type="sphere" size="0.1"/>
              <body name="arm" pos="0.2 0 0">
                <joint name="hinge" type="hinge" axis="0 0 1"/>
                <geom name="arm_geom" type="capsule" fromto="0 0 0 0.2 0 0" size="0.05"/>
              </body>
            </body>
          </worldbody>
          <actuator><motor joint="hinge" gear="2"/></actuator>
        </mujoco>
        """;

    [Fact]
    public void ModelLoadsFromXmlTextWithItsSizes()
    {
        using var model = MujocoModel.FromXml(Xml);
        Assert.Equal((8, 7, 1, 0, 3, 2, 3), (model.Nq, model.Nv, model.Nu, model.Na, model.Nbody, model.Njnt, model.Ngeom));
        Assert.Equal(0.004, model.Timestep, 12);
        Assert.Equal(2, model.BodyId("arm"));
        Assert.Equal(2, model.GeomId("arm_geom"));
    }

    [Fact]
    public void BadXmlAndUnknownNamesGiveClearErrors()
    {
        var bad = Assert.Throws<ArgumentException>(() => MujocoModel.FromXml("<mujoco><worldbody><body><geom type=\"nosuch\"/></body></worldbody></mujoco>"));
        Assert.Contains("nosuch", bad.Message);
        using var model = MujocoModel.FromXml(Xml);
        var unknown = Assert.Throws<ArgumentException>(() => model.BodyId("leg"));
        Assert.Contains("'leg'", unknown.Message);
    }

    [Fact]
    public void ReadsAndWritesMatchMujocosOwnPrintout()
    {
        using var model = MujocoModel.FromXml(Xml);
        using var data = model.MakeData();
        data.WriteCtrl([0.7]);
        data.WriteQvel([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 1.5]);
        data.Step(7);
        var path = Path.GetTempFileName();
        try
        {
            data.PrintTo(path);
            var printed = Sections(File.ReadAllLines(path));
            double[] qpos = new double[8], qvel = new double[7], ctrl = new double[1];
            data.ReadQpos(qpos);
            data.ReadQvel(qvel);
            data.ReadCtrl(ctrl);
            Assert.Equal(printed["QPOS"], qpos);
            Assert.Equal(printed["QVEL"], qvel);
            Assert.Equal(printed["CTRL"], ctrl);
            var xpos = Enumerable.Range(0, 3).SelectMany(b => { var p = data.BodyPosition(b); return new[] { p.X, p.Y, p.Z }; });
            Assert.Equal(printed["XPOS"], xpos);
            Assert.Equal(printed["TIME"].Single(), data.Time);
            Assert.Equal(7 * 0.004, data.Time, 12);
            Assert.NotEqual(0.3, qpos[0]);  // the ball has moved: the comparison is not between two untouched arrays
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ResetReturnsToTheModelsInitialState()
    {
        using var model = MujocoModel.FromXml(Xml);
        using var data = model.MakeData();
        var initial = new double[8];
        data.ReadQpos(initial);
        Assert.Equal([0.3, -0.2, 1, 1, 0, 0, 0, 0], initial);
        data.Step(50);
        var moved = new double[8];
        data.ReadQpos(moved);
        Assert.True(moved[2] < 0.99, $"the ball should fall under gravity, z = {moved[2]}");
        data.Reset();
        var reset = new double[8];
        data.ReadQpos(reset);
        Assert.Equal(initial, reset);
        Assert.Equal(0, data.Time);
    }

    [Fact]
    public void WrongSizesAreRefusedAndDataKeepsItsModelAlive()
    {
        var model = MujocoModel.FromXml(Xml);
        var data = model.MakeData();
        Assert.Throws<ArgumentException>(() => data.WriteCtrl([1, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.BodyPosition(3));
        model.Dispose();
        data.Step(3);  // the model is freed only when its last data is
        Assert.Equal(3 * 0.004, data.Time, 12);
        data.Dispose();
        Assert.Throws<ObjectDisposedException>(() => data.Step());
    }

    [Fact]
    public void AMissingLibraryIsReportedWithThePackageToInstall()
    {
        var error = Assert.Throws<DllNotFoundException>(() => MujocoNative.Open(["libmujoco-not-installed.so.0"]));
        Assert.Contains("libmujoco-not-installed.so.0", error.Message);
        Assert.Contains("apt-get install libmujoco2.2.2", error.Message);
    }

    /// <summary>The numeric sections of mj_printFormattedData's text: a name line, then rows of numbers up to a blank line.</summary>
    private static Dictionary<string, double[]> Sections(string[] lines)
    {
        var sections = new Dictionary<string, double[]>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith("TIME", StringComparison.Ordinal))
            {
                sections["TIME"] = [Parse(line.Split('=')[1].Trim())];
                continue;
            }
            if (line is not ("QPOS" or "QVEL" or "CTRL" or "XPOS")) continue;
            var values = new List<double>();
            for (var j = i + 1; j < lines.Length && lines[j].Trim().Length > 0; j++)
                values.AddRange(lines[j].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Parse));
            sections[line] = values.ToArray();
        }
        return sections;
    }

    private static double Parse(string s) => double.Parse(s, CultureInfo.InvariantCulture);
}
