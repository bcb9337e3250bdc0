// No backend runs another's kernel by accident: every IBackend method of every registered backend is
// declared by the backend's own type, not inherited (a fast backend inheriting the reference would
// silently run scalar code for every kernel it did not override).
using System.Reflection;
using Engine.Kernels;
using Engine.Kernels.Gpu;
using Xunit;

namespace Engine.Tests.Kernels;

public class BackendCompletenessTests
{
    /// <summary>The type of every backend name the program accepts (the ILGPU ones without opening a device).</summary>
    public static IEnumerable<object[]> Types => Backends.Names.Select(name => new object[]
    {
        name, Backends.GpuNames.Contains(name) ? typeof(GpuBackend) : Backends.Create(name).GetType(),
    });

    /// <summary>The IBackend methods (properties' accessors included) that type runs from a type other than itself.</summary>
    private static string[] Inherited(Type type)
    {
        var map = type.GetInterfaceMap(typeof(IBackend));
        return map.TargetMethods.Where(m => m.DeclaringType != type).Select(m => $"{m.Name} (from {m.DeclaringType!.Name})").ToArray();
    }

    [Theory, MemberData(nameof(Types))]
    public void Every_kernel_is_the_backends_own(string name, Type type)
    {
        Assert.Empty(Inherited(type));
        Assert.False(typeof(IBackend).IsAssignableFrom(type.BaseType), $"{name}: {type.Name} derives from the backend {type.BaseType!.Name}");
    }

    [Fact]
    public void Every_interface_method_is_counted()
    {
        // The interface map covers the whole interface, partial files and all: the reference declares every member.
        var methods = typeof(IBackend).GetMethods(BindingFlags.Public | BindingFlags.Instance);
        Assert.Equal(methods.Length, typeof(ReferenceBackend).GetInterfaceMap(typeof(IBackend)).TargetMethods.Length);
        Assert.Contains(methods, m => m.Name == nameof(IBackend.EmbeddingBackward));
        Assert.Contains(methods, m => m.Name == nameof(IBackend.AdagradUpdate));
    }

    private sealed class OverridesOne : ReferenceBackend
    {
        public override void Add(Tensor a, Tensor b, Tensor y) => base.Add(a, b, y);
    }

    [Fact]
    public void A_backend_that_inherits_kernels_is_caught()
    {
        var inherited = Inherited(typeof(OverridesOne));
        Assert.DoesNotContain(inherited, m => m.StartsWith("Add ", StringComparison.Ordinal));
        Assert.Contains("AdagradUpdate (from ReferenceBackend)", inherited);
        Assert.Contains("EmbeddingForward (from ReferenceBackend)", inherited);
    }
}
